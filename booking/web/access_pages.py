"""Pages of door access (issue 12): the resident's codes and the staff's overview."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def access_page_controllers() -> Sequence[Any]:
    return []
