"""The ``raumplan`` command: serve, migrate, user add, demo, mail."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from sqlalchemy import func, select

from booking import logs
from booking.clock import Clock
from booking.db import make_engine, make_session_factory, transaction
from booking.errors import DomainError, NotFound
from booking.migrate import upgrade
from booking.models import Centre, Role
from booking.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(database_url=getattr(args, "database_url", None))


def load_demo_if_empty(url: str) -> bool:
    from booking.demo import load_demo

    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            if session.scalar(select(func.count()).select_from(Centre)):
                return False
            load_demo(session, Clock().now())
            return True
    finally:
        engine.dispose()


# How long a stopping worker lets a mail being sent finish before it gives the mail back.
MAIL_GRACE_SECONDS = 10.0
# How often the background worker moves the series horizon on (booking.services.series).
EXTEND_EVERY_SECONDS = 3600.0
# How often the background worker reconciles door codes with the bookings.
ACCESS_ROUND_SECONDS = 60.0
# How long serve waits for the background worker to stop before it kills it.
WORKER_STOP_SECONDS = 60.0


class _Terminated(Exception):
    """SIGTERM reached ``raumplan serve``: stop like after Ctrl-C."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


TRUSTED_PROXIES_ENV = "RAUMPLAN_TRUSTED_PROXIES"


def trusted_proxies() -> str:
    """Addresses or networks (comma-separated) whose ``X-Forwarded-For`` is believed; the
    default is the machine itself, where a reverse proxy usually runs. ``""`` trusts none."""
    return os.environ.get(TRUSTED_PROXIES_ENV, "127.0.0.1,::1")


# How long an idle keep-alive connection stays open. Longer than what reverse proxies keep their
# idle upstream connections (nginx ``keepalive_timeout`` 60 s, cloud load balancers 60 s): with
# uvicorn's 5 s a proxy sends a request on a connection the service is just closing, and the
# resident gets a 502.
KEEP_ALIVE_ENV = "RAUMPLAN_KEEP_ALIVE_SECONDS"
KEEP_ALIVE_SECONDS = 75


def keep_alive_seconds() -> int:
    value = os.environ.get(KEEP_ALIVE_ENV, "").strip()
    if not value:
        return KEEP_ALIVE_SECONDS
    if not value.isdigit() or not 1 <= int(value) <= 3600:
        raise SystemExit(f"{KEEP_ALIVE_ENV} must be a whole number of seconds from 1 to 3600")
    return int(value)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    # SIGTERM (systemd, container runtimes) must stop everything this command started, as
    # Ctrl-C does. Uvicorn shuts its web workers down gracefully on SIGTERM and then raises the
    # signal again, which by default ends the process before the background worker is stopped:
    # this handler turns it into an exception, so the ``finally`` below runs.
    signal.signal(signal.SIGTERM, _raise_terminated)
    # Workers are separate processes: they read the settings from the environment.
    os.environ["RAUMPLAN_LOG_LEVEL"] = args.log_level.upper()
    settings = _settings(args)
    logs.configure(settings.log_level)
    log = logging.getLogger("raumplan.serve")
    planner = None
    if not _access_pepper_ready(args, settings):
        return 2
    try:
        upgrade(settings.database_url)
        if args.demo and load_demo_if_empty(settings.database_url):
            log.info("Demo centre loaded. Staff login: leitung@sieker-mitte.example / "
                     "raumplan-demo")
        os.environ["RAUMPLAN_DATABASE_URL"] = settings.database_url
        if not args.no_worker:
            # The background worker runs beside the web workers: it solves plans and sends the
            # outbox, so neither a solve nor an SMTP round trip ever runs in a web process.
            planner = subprocess.Popen([sys.executable, "-m", "booking.cli", "worker",  # noqa: S603
                                        "--stop-with", str(os.getpid())])
            os.environ["RAUMPLAN_MAIL_AFTER_COMMIT"] = "0"
        log.info("Raumplan serves on http://%s:%s (%s)", args.host, args.port,
                 settings.database_url)
        # log_config=None: uvicorn's loggers propagate to the JSON logs configured above.
        # Behind a reverse proxy every request comes from the proxy: the client address that
        # throttles registration and reset mails is taken from X-Forwarded-For, but only when
        # the request comes from one of these proxies (anyone else could write that header).
        uvicorn.run("booking.asgi:app", host=args.host, port=args.port, workers=args.workers,
                    log_level=args.log_level, access_log=False, log_config=None,
                    proxy_headers=True, forwarded_allow_ips=trusted_proxies(),
                    timeout_keep_alive=keep_alive_seconds())
    except _Terminated:
        pass
    finally:
        if planner is not None:
            _stop_worker(planner)
    return 0


def _access_pepper_ready(args: argparse.Namespace, settings: Settings) -> bool:
    """Door codes need a pepper outside the database (issue 12): the demo makes one in its data
    folder; a real deployment sets RAUMPLAN_ACCESS_PEPPER(_FILE), or serve refuses to start."""
    from access.hashing import PEPPER_FILE_ENV, MissingPepper, load_peppers, new_pepper_text

    try:
        load_peppers()
        return True
    except MissingPepper as exc:
        if not args.demo:
            print(f"raumplan: {exc}", file=sys.stderr)
            return False
    folder = Path(settings.database_url.removeprefix("sqlite:///")).parent \
        if settings.database_url.startswith("sqlite:///") else Path("var")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "access-pepper"
    if not path.exists():
        path.write_text(new_pepper_text() + "\n", encoding="utf-8")
        path.chmod(0o600)
    # The web workers and the background worker read it from the environment.
    os.environ[PEPPER_FILE_ENV] = str(path.resolve())
    return True


def _stop_worker(planner: subprocess.Popen[bytes]) -> None:
    """Ask the background worker to stop (it hands its solve back and keeps the mails in the
    outbox); kill it only if it does not manage within ``WORKER_STOP_SECONDS``."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut this short
    planner.send_signal(signal.SIGTERM)
    try:
        planner.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        planner.kill()
        planner.wait()


def cmd_worker(args: argparse.Namespace) -> int:
    """The background worker: plan runs one after the other, and the mail outbox every half
    second on a thread of its own (a long solve must not hold up mails).

    SIGTERM or SIGINT stop it gracefully: the run being solved goes back to the queue, the mail
    being sent may finish (``MAIL_GRACE_SECONDS``), and unsent mails stay in the outbox for
    the next worker. With ``--stop-with PID`` it also stops when that process (``raumplan
    serve``) is gone, so a killed serve leaves no worker behind."""
    import threading

    from booking.mailer import dispatch_pending, hand_back_claims
    from booking.services import access as door_access
    from booking.services import planning, privacy, series

    settings = _settings(args)
    logs.configure(settings.log_level)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    clock = Clock()
    if args.once:
        try:
            dispatch_pending(factory, settings, clock.now)
            planning.worker_loop(factory, clock.now, once=True)
            door_access.worker_round(factory, clock.now())
            with transaction(factory) as session:
                series.extend(session, clock.now())
            with transaction(factory) as session:
                privacy.forget_unconfirmed(session, clock.now())
        finally:
            engine.dispose()
        return 0

    log = logging.getLogger("raumplan.worker")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def send_mail_until_stopped() -> None:
        while not stop.is_set():
            try:
                dispatch_pending(factory, settings, clock.now, stop=stop)
            except Exception:
                # The outbox keeps the mail; the next round tries again.
                logging.getLogger("raumplan.mail").exception("mail dispatch failed")
            stop.wait(0.5)

    def reconcile_access_until_stopped() -> None:
        # Door codes: repair drift from the bookings, alert, purge old door events (issue 12).
        while not stop.is_set():
            try:
                door_access.worker_round(factory, clock.now())
            except Exception:
                logging.getLogger("raumplan.access").exception("access reconciliation failed")
            stop.wait(ACCESS_ROUND_SECONDS)

    name = planning.worker_name()
    doors = threading.Thread(target=reconcile_access_until_stopped, name="access", daemon=True)
    doors.start()
    mail = threading.Thread(target=send_mail_until_stopped, name="mail")
    # A daemon: a solve cannot be interrupted, so a stopping worker hands the run back and
    # leaves the thread behind rather than wait up to the run's time limit.
    plans = threading.Thread(target=planning.worker_loop, args=(factory, clock.now),
                             kwargs={"name": name, "stop": stop}, name="plans", daemon=True)
    mail.start()
    plans.start()
    extended_at = 0.0
    while not stop.wait(1.0):
        if time.monotonic() - extended_at > EXTEND_EVERY_SECONDS:
            # The rolling horizon of series moves with the date (idempotent, cheap when done).
            extended_at = time.monotonic()
            try:
                with transaction(factory) as session:
                    series.extend(session, clock.now())
            except Exception:
                log.exception("extending the series failed; next round tries again")
            try:
                with transaction(factory) as session:
                    privacy.forget_unconfirmed(session, clock.now())
            except Exception:
                log.exception("forgetting unconfirmed accounts failed; next round tries again")
        if args.stop_with and os.getppid() != args.stop_with:
            log.warning("serve (pid %s) is gone; stopping", args.stop_with)
            stop.set()
    handed: list[int] = []
    try:
        handed = planning.hand_back(factory, name, clock.now())
    except Exception:
        # E.g. the database is gone: the run is taken up again after the stale-claim timeout.
        log.exception("could not hand the plan run back")
    mail.join(timeout=MAIL_GRACE_SECONDS)
    try:
        hand_back_claims(factory)
    except Exception:
        # The mails stay in the outbox; their claims expire after mailer.CLAIM_TIMEOUT.
        log.exception("could not hand the claimed mails back")
    log.info("worker stopped; plan runs handed back: %s", handed or "none")
    engine.dispose()
    if plans.is_alive() or mail.is_alive():
        # A solve cannot be interrupted and a stuck send only ends with its timeout; their
        # work is handed back, so end here, flushed, instead of waiting for them.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Plan one week in this process (the command line is not a request path)."""
    from booking.services import planning

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    clock = Clock()
    try:
        with transaction(factory) as session:
            centre = session.scalar(select(Centre).where(Centre.slug == args.centre))
            if centre is None:
                raise NotFound("no_centre_named", slug=args.centre)
            run = planning.queue_plan(session, None, centre_id=centre.id, week=args.week,
                                      now=clock.now(), time_limit=args.time_limit,
                                      seed=args.seed)
            # Claimed by this process in the transaction that queues it: a running worker
            # never sees it waiting, so never solves it too.
            run.status, run.worker, run.started_at = "running", "cli", clock.now()
            run_id = run.id
        run = planning.execute(factory, run_id, clock.now, workers=args.workers)
        plan = planning.read_plan(run)
        if plan is None:
            print(f"Plan {run.id} for {run.week}: {run.status}, no plan")
            return 1
        figures = plan.figures
        print(f"Plan {run.id} for {run.week}: {plan.status}, "
              f"{figures.placed} placed, {figures.unplaced} unplaced, "
              f"open {figures.open_minutes / 60:.1f} h on {figures.open_days} "
              f"days, Bürgersprechstunde {figures.consultation_minutes / 60:.1f} h, "
              f"gap {plan.stats.gap}")
        for item in plan.unplaced:
            print(f"  not placed: {item.demand}: {item.message}")
        for failure in plan.requirement_failures:
            print(f"  requirement unmet: {failure.message}")
        if args.publish:
            with transaction(factory) as session:
                from booking.models import PersonRole, Role
                from booking.permissions import Actor

                admin = session.scalar(select(PersonRole.person_id).where(
                    PersonRole.role == Role.ADMIN))
                if admin is None:
                    raise NotFound("admin_needed_cli")
                actor = Actor(person_id=admin, roles=frozenset({("admin", None)}))
                planning.publish(session, actor, run_id, clock.now(),
                                 acknowledge_unmet=args.acknowledge_unmet)
            print(f"Plan {run_id} published.")
    finally:
        engine.dispose()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    upgrade(settings.database_url)
    print(f"Database is at the newest schema: {settings.database_url}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    # The demo's series issue their Eigenregie groups' door codes when they are created: the
    # same pepper as ``serve --demo`` (made in the data folder if none is set).
    _access_pepper_ready(argparse.Namespace(demo=True), settings)
    upgrade(settings.database_url)
    print("Demo centre loaded." if load_demo_if_empty(settings.database_url)
          else "The database holds a centre already; nothing loaded.")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from booking.services.accounts import add_user

    settings = _settings(args)
    password = args.password or os.environ.get("RAUMPLAN_PASSWORD") or getpass.getpass(
        "Password: ")
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            person = add_user(session, email=args.email, password=password,
                              display_name=args.name or args.email, role=Role(args.role),
                              centre_slug=args.centre, now=Clock().now())
            print(f"Created {args.role} account {person.email} (id {person.id}).")
    finally:
        engine.dispose()
    return 0


def cmd_mail_send(args: argparse.Namespace) -> int:
    from booking.mailer import dispatch_pending

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    sent = dispatch_pending(make_session_factory(engine), settings, Clock().now)
    engine.dispose()
    print(f"{sent} mail(s) sent.")
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    """Materialise every open series up to the rolling horizon (idempotent)."""
    from booking.services import series

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    with transaction(make_session_factory(engine)) as session:
        written = series.extend(session, Clock().now())
    engine.dispose()
    print(f"{written} series date(s) written.")
    return 0


def cmd_terminal(args: argparse.Namespace) -> int:
    """The reference door terminal: a keypad on the command line (access.terminal)."""
    from access.terminal import TerminalClient, run_keypad

    if not args.token:
        print("No device token: set RAUMPLAN_TERMINAL_TOKEN (or give --token=VALUE); staff "
              "see it once when they register the terminal.", file=sys.stderr)
        return 2
    client = TerminalClient(url=args.url.rstrip("/"), token=args.token, door_id=args.door,
                            public_key=args.public_key, offline_key=args.offline_key,
                            state_dir=Path(args.state_dir))
    return run_keypad(client, sys.stdin)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raumplan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database-url", help="SQLAlchemy URL (default: RAUMPLAN_DATABASE_URL "
                                              "or var/raumplan.sqlite3)")
        return p

    serve = with_db(sub.add_parser("serve", help="start the web service"))
    serve.add_argument("--demo", action="store_true", help="load the demo centre if empty")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    serve.add_argument("--no-worker", action="store_true",
                       help="do not start the planning worker beside the web workers")

    worker = with_db(sub.add_parser("worker", help="run the planning worker"))
    worker.add_argument("--once", action="store_true", help="solve what is queued, then stop")
    worker.add_argument("--stop-with", type=int, metavar="PID",
                        help="stop when the process PID is gone (set by serve)")
    worker.set_defaults(func=cmd_worker)

    plan = with_db(sub.add_parser("plan", help="plan a centre's week (Raumnutzungsplan)"))
    plan.add_argument("--centre", required=True, help="centre slug")
    plan.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49")
    plan.add_argument("--time-limit", type=float, default=30.0)
    plan.add_argument("--seed", type=int, default=0)
    plan.add_argument("--workers", type=int, default=2)
    plan.add_argument("--publish", action="store_true", help="publish the plan when done")
    plan.add_argument("--acknowledge-unmet", action="store_true",
                      help="publish even if the week misses a requirement of the Profil "
                           "(recorded in the audit)")
    plan.set_defaults(func=cmd_plan)

    with_db(sub.add_parser("migrate", help="apply the database migrations")).set_defaults(
        func=cmd_migrate)
    with_db(sub.add_parser("demo", help="load the demo centre into an empty database")
            ).set_defaults(func=cmd_demo)

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="user_command",
                                                                         required=True)
    add = with_db(user.add_parser("add", help="create an account"))
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--email", required=True)
    add.add_argument("--name")
    add.add_argument("--centre", help="centre slug (staff, terminal, city)")
    add.add_argument("--password", help="(default: RAUMPLAN_PASSWORD or a prompt)")
    add.set_defaults(func=cmd_user_add)

    terminal = sub.add_parser("terminal", help="a door keypad simulator (reference terminal): "
                              "one code per line on stdin")
    terminal.add_argument("--door", type=int, required=True, help="the door's id")
    terminal.add_argument("--url", default=os.environ.get("RAUMPLAN_URL",
                                                          "http://127.0.0.1:8000"))
    terminal.add_argument("--token", default=os.environ.get("RAUMPLAN_TERMINAL_TOKEN", ""),
                          help="device token (default: RAUMPLAN_TERMINAL_TOKEN, which keeps it "
                          "out of the process list); write --token=VALUE, as a token can begin "
                          "with '-'")
    terminal.add_argument("--public-key", required=True,
                          help="the service's Ed25519 key (from the registration)")
    terminal.add_argument("--offline-key", required=True,
                          help="the offline key (from the registration)")
    terminal.add_argument("--state-dir", default="var/terminal",
                          help="where the bundle and offline decisions are kept")
    terminal.set_defaults(func=cmd_terminal)

    mail = sub.add_parser("mail", help="mail outbox").add_subparsers(dest="mail_command",
                                                                    required=True)
    with_db(mail.add_parser("send", help="send pending mails now")).set_defaults(
        func=cmd_mail_send)
    with_db(sub.add_parser("extend", help="write series dates up to the rolling horizon")
            ).set_defaults(func=cmd_extend)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DomainError as exc:
        print(f"raumplan: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
