"""The app factory: one Litestar application with the JSON API, the pages and the schema."""

from __future__ import annotations

import threading

from litestar import Litestar, get
from litestar.di import Provide

from booking import logs, mailer
from booking.api.accounts import AccountController
from booking.api.body import MAX_BODY_BYTES, LimitedRequest
from booking.api.bookings import AvailabilityController, BookingController, OccurrenceController
from booking.api.catalogue import (
    CentreController,
    GroupController,
    OfferController,
    PersonController,
    RoomController,
)
from booking.api.deps import Services, provide_actor, services
from booking.api.docs import assets_router, describe_operations, openapi_config
from booking.api.planning import PlanController
from booking.api.problems import HANDLERS, document_problems
from booking.api.rentals import RentalController
from booking.api.retry import RetryAbortedTransactions
from booking.api.schemas import Health
from booking.api.terms import TermController
from booking.clock import Clock
from booking.db import PlainReader, is_sqlite, make_engine, make_session_factory
from booking.security import transport_headers
from booking.services.availability import AvailabilityCache, VersionReader
from booking.settings import Settings


@get("/health", tags=["health"])
async def health() -> Health:
    """Liveness: answers as long as the process serves requests."""
    return Health(status="ok", database="configured")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    clock = clock or Clock()
    engine = make_engine(settings.database_url)
    svc = Services(settings=settings, db=make_session_factory(engine),
                   read_db=make_session_factory(engine, read_only=True), clock=clock,
                   inline_reads=is_sqlite(engine),
                   availability_cache=AvailabilityCache(VersionReader(engine)),
                   plain=PlainReader(engine))
    mailer.install_after_commit_dispatch(svc.db, settings, clock.now)
    mailer.use_link_base(svc.db, settings.base_url)

    def on_startup(app: Litestar) -> None:
        app.state.services = svc
        if settings.mail_send_after_commit:
            # Mails a crashed process left in the outbox go out now, not with the next one.
            threading.Thread(target=mailer.dispatch_pending, args=(svc.db, settings, clock.now),
                             daemon=True, name="raumplan-mail-startup").start()

    def on_shutdown(app: Litestar) -> None:
        engine.dispose()

    from booking.web.pages import page_controllers, template_config

    app = Litestar(
        route_handlers=[
            health, CentreController, RoomController, OfferController, GroupController,
            PersonController, RentalController, BookingController, OccurrenceController,
            AvailabilityController, AccountController, PlanController, TermController,
            *page_controllers(),
            assets_router(),
        ],
        dependencies={"svc": Provide(services, sync_to_thread=False),
                      "actor": Provide(provide_actor)},
        exception_handlers=HANDLERS,
        middleware=[RetryAbortedTransactions()],
        response_headers=transport_headers(settings.base_url),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        openapi_config=openapi_config(),
        template_config=template_config(),
        plugins=[logs.plugin(settings.log_level)],
        request_class=LimitedRequest,
        request_max_body_size=MAX_BODY_BYTES,
    )
    document_problems(app)
    describe_operations(app)
    return app
