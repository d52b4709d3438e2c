"""Benchmarks that print a table (DESIGN §4 "How well"); not part of the test run."""
