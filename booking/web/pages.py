"""Server-rendered pages for residents and staff (Jinja2, plain HTML forms, htmx where it
helps, no JavaScript build). Handlers are thin: read the form, call the same service functions
as the JSON API, render. One module per area; this one lists them for the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.static_files import create_static_files_router

from booking.web.account import AccountPages
from booking.web.applications import ApplicationPages
from booking.web.closures import ClosurePages
from booking.web.common import STATIC, template_config
from booking.web.demand import DemandPages
from booking.web.doors import DoorPages
from booking.web.maintenance import MaintenancePages
from booking.web.offers import OfferPages
from booking.web.plan import PlanPages
from booking.web.profile import ProfilePages
from booking.web.programme import ProgrammePages
from booking.web.public import PublicPages
from booking.web.resident import RentalPages
from booking.web.staff import StaffPages
from booking.web.terms import TermPages
from booking.web.workspace import WorkspacePages

__all__ = ["page_controllers", "template_config"]


def page_controllers() -> Sequence[Any]:
    return [PublicPages, ProgrammePages, RentalPages, StaffPages, MaintenancePages, AccountPages,
            ProfilePages, PlanPages, DoorPages, OfferPages, DemandPages, WorkspacePages,
            ClosurePages, ApplicationPages, TermPages,
            create_static_files_router(path="/static", directories=[STATIC],
                                       name="static", include_in_schema=False)]
