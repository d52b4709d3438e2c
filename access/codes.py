"""Door codes: 8 random digits from :mod:`secrets`, trivial patterns refused.

A code is a string (leading zeros are part of it) of ASCII digits only; ``"٣"`` is a digit to
Python's ``str.isdigit`` but never to a keypad, so the check here is explicit.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from datetime import date

CODE_LENGTH = 8
ASCII_DIGITS = frozenset("0123456789")


def is_well_formed(code: object, length: int = CODE_LENGTH) -> bool:
    """Exactly ``length`` ASCII digits."""
    return (isinstance(code, str) and len(code) == length
            and all(c in ASCII_DIGITS for c in code))


def is_trivial(code: str) -> bool:
    """Patterns a person would guess first: one digit repeated, a run up or down
    (``12345678``, ``87654321``, with wrap-around ``90123456``), a short block repeated
    (``12121212``, ``12341234``), or a date (``DDMMYYYY``, ``YYYYMMDD``)."""
    digits = [int(c) for c in code]
    if len(set(digits)) <= 2:
        return True
    steps = {(b - a) % 10 for a, b in itertools.pairwise(digits)}
    if steps in ({1}, {9}):
        return True
    for size in (1, 2, 3, 4):
        if len(code) % size == 0 and code == code[:size] * (len(code) // size):
            return True
    if len(code) == 8:
        for day, month, year in ((code[:2], code[2:4], code[4:]), (code[6:], code[4:6], code[:4])):
            try:
                date(int(year), int(month), int(day))
            except ValueError:
                continue
            if 1900 <= int(year) <= 2100:
                return True
    return False


def generate(length: int = CODE_LENGTH,
             randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh code that is not trivial."""
    if length < 7:
        raise ValueError("door codes have at least 7 digits")
    while True:
        code = str(randbelow(10 ** length)).zfill(length)
        if not is_trivial(code):
            return code


def display(code: str) -> str:
    """``1234 5678``: easier to read off a screen and type."""
    return f"{code[:4]} {code[4:]}" if len(code) == 8 else code
