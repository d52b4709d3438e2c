"""Door validation benchmark (DESIGN §4, issue 12): one run, one server, side by side.

    .venv/bin/python -m bench.access [--duration 8] [--rates 10,20] [--candidates 1,4,8]
                                     [--time-cost 3] [--memory-cost 19456] [--parallelism 1]

``--time-cost`` / ``--memory-cost`` / ``--parallelism`` run the whole benchmark (the codes
seeded, the server, the pure hashing it is compared with) with other argon2id parameters, to
see whether "or stronger if the benchmark allows" (issue 12 §2) is affordable; the production
parameters (``access.hashing.PRODUCTION_PARAMETERS``) stay what they are.

What it does:

1. measures one argon2id computation at the production parameters (m = 19456 KiB, t = 2,
   p = 1) alone, wall time and CPU time, and the pure hashing of one validation with N
   candidates as the service does it (the centre's codes share a salt: one computation, then N
   constant-time comparisons), in this process, around each phase;
2. for each N, writes a fresh SQLite database with N Eigenregie bookings whose codes are all
   valid at the entrance now, and 60 terminals registered at that door (so the per-terminal
   request limit of 5 per 5 s never throttles the load);
3. starts ``raumplan serve`` (one web worker, no background worker) on it and sends
   ``POST /terminal/v1/validate`` open-loop at each rate (requests leave on schedule whether
   or not earlier ones have answered), each with one of the valid codes, so every request
   compares all N candidates (there is no early exit: a denial costs the same);
4. prints p50 / p99 end-to-end latency, the overhead over the pure hashing of N in two views,
   and the targets (overhead ≤ 25 %, p99 < 150 ms at 20/s) with PASS/MISS.

The two views of the overhead:

* **server** (the target): the server times each validation itself (``bench.access_server``:
  from the app being called to the answer's last byte) and the argon2 computation *that same
  request* did, so both are measured in one process, at one moment, under one load; overhead
  = (p50 server − p50 hashing) / p50 hashing. A wait for a free hashing slot counts as
  overhead.
  It leaves out what happens outside the app: uvicorn's parsing and the socket (``/health``
  answers in a fraction of a millisecond) and the client's own work.
* **end-to-end**: the client's p50 over the hashing measured *in this process between phases*,
  when the server is idle: what a door's keypad waits for, uvicorn and the socket included.
  It is harder on the service than the server view: the reference hashing runs alone while
  the measured requests hash under the load of their neighbours (at 20/s two validations
  overlap a third of the time on 2 cores) and of this benchmark's client. The client is one
  asyncio loop on raw keep-alive sockets: end-to-end p50 minus server p50 is about 0.5 ms on
  a quiet machine (an httpx client in 32 threads, used before, made it 1.7 ms). On a loaded
  machine it mostly measures the neighbours.

On a shared machine wall-clock figures move with the neighbours' load, so it also prints the
server's CPU time per validation (from /proc, user + system of the server process) next to one
argon2 computation's CPU time: their ratio is the overhead that does not depend on how busy the
machine is ("cpu overhead"), and the load average during the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from argon2 import PasswordHasher, Type

from access.hashing import PRODUCTION_PARAMETERS, CodeHasher, new_pepper_text, parse_peppers
from access.validation import Candidate, verify_all
from bench.access_server import ARGON2_ENV, TIMINGS_ENV
from bench.booking import _read_response

TERMINALS = 60
TIMEOUT = 20.0  # seconds; a request without an answer by then counts with this latency


def argon2_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """argon2id as the service builds it (``access.hashing.production_hasher``), with the
    given costs."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
                          hash_len=32, salt_len=16, type=Type.ID)


def pure_hashing(argon2: PasswordHasher, candidates: int,
                 rounds: int = 15) -> tuple[float, float, float]:
    """(one argon2 computation alone in ms, its CPU ms, verify_all of N candidates in ms: one
    computation and N comparisons, in this thread), medians."""
    hasher = CodeHasher(parse_peppers(new_pepper_text()), argon2)
    stored = [hasher.hash(f"{48151600 + i}", 1) for i in range(candidates)]
    cands = [Candidate(i, h, k) for i, (h, k) in enumerate(stored)]
    one, cpu, many = [], [], []
    for _ in range(rounds):
        t, c = time.perf_counter(), time.thread_time()
        hasher.verify("48151600", stored[0][0], stored[0][1])
        cpu.append((time.thread_time() - c) * 1000)
        one.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        verify_all(hasher, "48151600", cands)
        many.append((time.perf_counter() - t) * 1000)
    return statistics.median(one), statistics.median(cpu), statistics.median(many)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:15]) / ticks


def peak_rss(pid: int) -> float:
    """A process's peak resident memory in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seed(url: str, candidates: int, pepper: str) -> tuple[list[str], list[str]]:
    """N codes valid now at the entrance and the terminals' tokens."""
    from booking.db import make_engine, make_session_factory, transaction
    from booking.migrate import upgrade
    from booking.models import Booking, Centre, Door, Occurrence, Person, PersonRole, Room
    from booking.permissions import Actor
    from booking.services import access as door_access
    from booking.services.locking import lock_rooms

    upgrade(url)
    door_access.configure(pepper)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    codes: list[str] = []
    with transaction(factory) as s:
        centre = Centre(slug="bench", name="Bench")
        s.add(centre)
        s.flush()
        staff = Person(email="staff@bench.example", created_at=now,
                       roles=[PersonRole(role="staff", centre_id=centre.id)])
        rooms = [Room(centre_id=centre.id, name=f"Raum {i}", capacity=10)
                 for i in range(candidates)]
        s.add_all([staff, *rooms])
        s.flush()
        entrance = Door(centre_id=centre.id, name="Eingang", kind="entrance")
        s.add(entrance)
        lock_rooms(s, [r.id for r in rooms])
        for room in rooms:
            booking = Booking(centre_id=centre.id, kind="rental", status="confirmed",
                              title="Bench", requested_by_id=staff.id, created_at=now,
                              updated_at=now, occurrences=[Occurrence(
                                  room_id=room.id, status="confirmed",
                                  starts_at=now - timedelta(minutes=5),
                                  ends_at=now + timedelta(hours=3))])
            s.add(booking)
            s.flush()
            issued = door_access.issue_for_booking(s, booking, None, now)
            assert issued is not None
            codes.append(issued.code)
        actor = Actor(person_id=staff.id, roles=frozenset({("staff", centre.id)}))
        tokens = [door_access.register_terminal(s, actor, door_id=entrance.id, name=f"T{i}",
                                                now=now).token for i in range(TERMINALS)]
    engine.dispose()
    return codes, tokens


def start_server(url: str, pepper: str, log: Path,
                 argon2: tuple[int, int, int] | None = None,
                 timings: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``raumplan serve`` with one web worker (through ``bench.access_server``: other argon2
    parameters if given, each validation's server-side timing appended to ``timings``)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, RAUMPLAN_DATABASE_URL=url, RAUMPLAN_ACCESS_PEPPER=pepper,
               RAUMPLAN_MAIL_AFTER_COMMIT="0")
    env.pop(ARGON2_ENV, None)
    env.pop(TIMINGS_ENV, None)
    if argon2 is not None:
        env[ARGON2_ENV] = ",".join(str(v) for v in argon2)
    if timings is not None:
        env[TIMINGS_ENV] = str(timings)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bench.access_server",  # noqa: S603
                                 "serve", "--no-worker",
                                 "--port", str(port), "--log-level", "warning"],
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=Path(__file__).resolve().parent.parent,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(log.read_text()[-2000:])


def drive(base: str, codes: list[str], tokens: list[str], rate: float,
          duration: float) -> tuple[list[float], int]:
    """Open loop: request i leaves at start + i / rate, as a door's keypad sends it. Latencies
    in ms, and the number of answers that were not a grant.

    The client is one asyncio loop on raw keep-alive sockets (bench.booking's response reader),
    each request's bytes built (with the terminal's clock reading) before its clock starts: it
    costs a fraction of a millisecond per request, so the end-to-end figure is the service's and
    not the client's (an httpx client in 32 threads had added about 1.2 ms to it)."""
    host, port = base.removeprefix("http://").split(":")

    def request(i: int) -> bytes:
        body = json.dumps({"code": codes[i % len(codes)], "nonce": secrets.token_hex(8),
                           "sent_at": datetime.now(UTC).isoformat()}).encode()
        return (f"POST /terminal/v1/validate HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {tokens[i % len(tokens)]}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body

    latencies: list[float] = []
    errors: list[str] = []
    wrong = 0

    async def run() -> None:
        nonlocal wrong
        idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

        async def one(i: int, due: float) -> None:
            nonlocal wrong
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            data = request(i)
            t = time.perf_counter()
            try:
                reader, writer = idle.pop() if idle else await asyncio.open_connection(
                    host, int(port))
                writer.write(data)
                status, body = await asyncio.wait_for(_read_response(reader), TIMEOUT)
                latencies.append((time.perf_counter() - t) * 1000)
                idle.append((reader, writer))
                if status != 200 or json.loads(body).get("decision") != "grant":
                    wrong += 1
            except Exception as exc:  # counted and shown: a benchmark must not hide failures
                errors.append(repr(exc))
                latencies.append(TIMEOUT * 1000)  # a request that never answered counts

        n = int(rate * duration)
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(one(i, start + i / rate) for i in range(n)))
        for _, writer in idle:
            writer.close()

    asyncio.run(run())
    if errors:
        print(f"  {len(errors)} requests failed, e.g. {errors[0]}", file=sys.stderr)
    return latencies, wrong + len(errors)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Row:
    size: int
    rate: float
    hashing: float  # ms, in this process between phases
    p50: float
    p99: float
    n: int
    wrong: int
    server_cpu: float  # ms per validation
    argon_cpu: float
    load: float
    server_p50: float
    server_hashing: float  # p50 of the requests' own argon2 computation, in the server
    timed: int  # validations the server timed
    rss: float  # the server's peak resident memory so far, MiB
    server_extra: float  # median over the requests of (server − own hashing), ms

    @property
    def overhead(self) -> float:
        return (self.p50 - self.hashing) / self.hashing * 100

    @property
    def server_overhead(self) -> float:
        return (self.server_p50 - self.server_hashing) / self.server_hashing * 100

    @property
    def cpu_overhead(self) -> float:
        return (self.server_cpu - self.argon_cpu) / self.argon_cpu * 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rates", default="10,20")
    parser.add_argument("--candidates", default="1,4,8")
    parser.add_argument("--time-cost", type=int, default=PRODUCTION_PARAMETERS["time_cost"],
                        help="argon2id t for this run (production: %(default)s)")
    parser.add_argument("--memory-cost", type=int, default=PRODUCTION_PARAMETERS["memory_cost"],
                        help="argon2id m in KiB for this run (production: %(default)s)")
    parser.add_argument("--parallelism", type=int, default=PRODUCTION_PARAMETERS["parallelism"],
                        help="argon2id p for this run (production: %(default)s)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    sizes = [int(c) for c in args.candidates.split(",")]
    pepper = new_pepper_text()
    params = (args.time_cost, args.memory_cost, args.parallelism)
    argon2 = argon2_hasher(*params)
    production = params == (PRODUCTION_PARAMETERS["time_cost"],
                            PRODUCTION_PARAMETERS["memory_cost"],
                            PRODUCTION_PARAMETERS["parallelism"])
    if not production:
        from booking.services import access as door_access

        door_access.use_argon2(argon2)  # the seeded codes are hashed with them too
    print(f"Door validation benchmark, {os.cpu_count()} CPUs, argon2id m={args.memory_cost} KiB "
          f"t={args.time_cost} p={args.parallelism}"
          f"{'' if production else ' (NOT the production parameters)'}, "
          f"SQLite, one web worker, {args.duration:.0f} s per phase")
    alone, alone_cpu, _ = pure_hashing(argon2, 1)
    print(f"one argon2 computation alone: {alone:.1f} ms wall, {alone_cpu:.1f} ms CPU "
          f"(median of 15); load average before: {os.getloadavg()[0]:.1f}\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            url = f"sqlite:///{tmp}/bench-{size}.sqlite3"
            codes, tokens = seed(url, size, pepper)
            timings = Path(tmp) / f"timings-{size}.txt"
            proc, base = start_server(url, pepper, Path(tmp) / f"server-{size}.log",
                                      None if production else params, timings)
            try:
                drive(base, codes, tokens, 5, 2)  # warm-up
                for rate in rates:
                    _, cpu_before, before = pure_hashing(argon2, size, 7)
                    spent = cpu_seconds(proc.pid)
                    seen = len(timings.read_text().splitlines())
                    latencies, wrong = drive(base, codes, tokens, rate, args.duration)
                    server_cpu = (cpu_seconds(proc.pid) - spent) * 1000 / max(1, len(latencies))
                    time.sleep(0.2)  # the server writes a timing after its answer has gone
                    inside = [tuple(float(v) for v in line.split())
                              for line in timings.read_text().splitlines()[seen:]]
                    _, cpu_after, after = pure_hashing(argon2, size, 7)
                    hashing = (before + after) / 2
                    rows.append(Row(size, rate, hashing, pct(latencies, 0.5),
                                    pct(latencies, 0.99), len(latencies), wrong, server_cpu,
                                    (cpu_before + cpu_after) / 2, os.getloadavg()[0],
                                    pct([t[0] for t in inside], 0.5),
                                    pct([t[1] for t in inside], 0.5), len(inside),
                                    peak_rss(proc.pid), pct([t[0] - t[1] for t in inside], 0.5)))
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    print(f"{'':>12} {'— end to end (client) —':^40} {'— server side —':^38} "
          f"{'— cpu (server process) —':^32}")
    print(f"{'codes':>5} {'rate/s':>6} {'p50':>8} {'p99':>8} {'hashing':>9} {'overhead':>9} "
          f"{'p50':>8} {'hashing':>9} {'overhead':>9} {'extra':>8} "
          f"{'cpu/valid.':>10} {'argon2 cpu':>10} {'overhead':>9} "
          f"{'n':>4} {'not granted':>11} {'load':>5} {'rss':>5}")
    for r in rows:
        print(f"{r.size:>5} {r.rate:>6.0f} {r.p50:>6.1f}ms {r.p99:>6.1f}ms {r.hashing:>7.1f}ms "
              f"{r.overhead:>8.0f}% {r.server_p50:>6.1f}ms {r.server_hashing:>7.1f}ms "
              f"{r.server_overhead:>8.0f}% {r.server_extra:>6.1f}ms "
              f"{r.server_cpu:>8.1f}ms {r.argon_cpu:>8.1f}ms "
              f"{r.cpu_overhead:>8.0f}% {r.n:>4} {r.wrong:>11} {r.load:>5.1f} {r.rss:>5.0f}")
    print(f"\nnot granted: answers other than a grant, and requests without an answer in "
          f"{TIMEOUT:.0f} s (counted with that latency)")
    print("end to end: the client's latencies; hashing: the pure work of one validation with N"
          " candidates (one argon2 computation, N comparisons), measured in this process"
          " around each phase while the server is idle")
    print("rss: the server's peak resident memory after the phase (MiB)")
    print("server side: the server's own time per validation, app called to last byte"
          " (p50), the argon2 computation those same requests did inside it (p50), and the"
          " median over the requests of the difference (extra)")
    print("cpu: the server's CPU time per validation (HTTP, database, argon2, logging) over one"
          " argon2 computation's CPU time here, which the neighbours' load does not inflate")
    worst = [r for r in rows if r.rate == max(rates)]
    p99_ok = all(r.p99 < 150 for r in worst)
    server_over = max(r.server_overhead for r in rows)
    over = max(r.overhead for r in rows)
    cpu_over = max(r.cpu_overhead for r in rows)
    timed = all(r.timed == r.n for r in rows)
    granted = all(r.wrong == 0 for r in rows)
    ok = p99_ok and server_over <= 25 and granted and timed
    print(f"target p99 < 150 ms at {max(rates):.0f}/s: {'PASS' if p99_ok else 'MISS'} "
          f"(worst {max(r.p99 for r in worst):.1f} ms)")
    print(f"target overhead ≤ 25 %, server side: {'PASS' if server_over <= 25 else 'MISS'} "
          f"(worst {server_over:.0f} %)")
    print(f"  end to end (with uvicorn and the socket): {'PASS' if over <= 25 else 'MISS'} "
          f"(worst {over:.0f} %)")
    print(f"  cpu (load-independent view): {'PASS' if cpu_over <= 25 else 'MISS'} "
          f"(worst {cpu_over:.0f} %)")
    print(f"every request timed by the server: {'PASS' if timed else 'MISS'}")
    print(f"all requests granted: {'PASS' if granted else 'MISS'}")
    print(f"overall: {'PASS' if ok else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
