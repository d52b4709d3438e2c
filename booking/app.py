"""The app factory: one Litestar application with the JSON API, the pages and the schema."""

from __future__ import annotations

import threading

from litestar import Litestar, get
from litestar.di import Provide
from litestar.types import LifespanHook

from booking import logs, mailer
from booking.api.access import AccessController, TerminalController
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
from booking.api.deps import API_CALLERS_SQL, provide_actor
from booking.api.docs import assets_router, describe_operations, openapi_config
from booking.api.feeds import CalendarController, ExportController, FeedController
from booking.api.planning import PlanController
from booking.api.problems import HANDLERS, document_problems
from booking.api.rentals import RentalController
from booking.api.retry import RetryAbortedTransactions
from booking.api.schemas import Health
from booking.api.series import ClosureController, SeriesController
from booking.api.term_runs import TermRunController
from booking.api.terms import TermController
from booking.clock import Clock
from booking.db import (
    LoopReader,
    PlainReader,
    commit_clock,
    is_sqlite,
    make_engine,
    make_session_factory,
)
from booking.deps import DEPENDENCIES, Services
from booking.security import transport_headers
from booking.services import access as door_access
from booking.services.availability import AvailabilityCache, CoalescedReads, VersionReader
from booking.settings import Settings


@get("/health", tags=["health"])
async def health() -> Health:
    """Liveness: answers as long as the process serves requests."""
    return Health(status="ok", database="configured")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    clock = clock or Clock()
    on_startup, on_shutdown = service_hooks(settings, clock)
    return build_app(settings, on_startup, on_shutdown)


def service_hooks(settings: Settings, clock: Clock) -> tuple[LifespanHook, LifespanHook]:
    """The services of one deployment (database, caches, mail) and the two lifespan hooks that
    hand them to an app and close them again. Kept apart from the routes so that an app can be
    built once and serve one set of services after another (the test suite does that: building
    the routes costs a third of a second)."""
    # Without a pepper no door code can be stored or checked: refuse to start (issue 12 §2).
    door_access.configure(settings.access_pepper)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    loop_reader = None if is_sqlite(engine) else LoopReader(engine)
    svc = Services(settings=settings, db=make_session_factory(engine),
                   read_db=make_session_factory(engine, read_only=True), clock=clock,
                   inline_reads=is_sqlite(engine),
                   availability_cache=AvailabilityCache(VersionReader(engine)),
                   plain=PlainReader(engine),
                   coalesced=(None if loop_reader is None
                              else CoalescedReads(loop_reader, API_CALLERS_SQL)))
    mailer.install_after_commit_dispatch(svc.db, settings, clock.now)
    mailer.use_link_base(svc.db, settings.base_url)

    def on_startup(app: Litestar) -> None:
        svc.changes = commit_clock(engine)
        app.state.services = svc
        if settings.mail_send_after_commit:
            # Mails a crashed process left in the outbox go out now, not with the next one.
            threading.Thread(target=mailer.dispatch_pending, args=(svc.db, settings, clock.now),
                             daemon=True, name="raumplan-mail-startup").start()

    async def on_shutdown(app: Litestar) -> None:
        if loop_reader is not None:
            await loop_reader.close()
        engine.dispose()

    return on_startup, on_shutdown


def build_app(settings: Settings, on_startup: LifespanHook, on_shutdown: LifespanHook) -> Litestar:
    """The routes, pages, schema and middleware; the services come in through the hooks."""
    from booking.web.access_pages import access_page_controllers
    from booking.web.common import html_for_pages
    from booking.web.pages import page_controllers, template_config

    app = Litestar(
        route_handlers=[
            health, CentreController, RoomController, OfferController, GroupController,
            PersonController, RentalController, BookingController, OccurrenceController,
            AvailabilityController, AccountController, PlanController, TermController,
            SeriesController, ClosureController, CalendarController, FeedController,
            ExportController, TerminalController, AccessController, TermRunController,
            *page_controllers(), *access_page_controllers(),
            assets_router(),
        ],
        dependencies={**DEPENDENCIES, "actor": Provide(provide_actor)},
        exception_handlers=html_for_pages(HANDLERS),
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
