"""ASGI entry point for uvicorn workers: ``booking.asgi:app`` (settings from the environment)."""

from booking.app import create_app

app = create_app()
