"""The deployment's commit clock: a counter on this machine that every process of the service
advances right after each commit to its database (issue 6 §2).

Why: the availability read must never be stale after a committed write, whichever worker
wrote. Until now every read asked the database for the rooms' change counters
(``room_version``) first: on PostgreSQL a round trip per read, which the answer served from the
cache costs a fraction of; on SQLite a statement on the file, twice the cost of the answer.
With the clock, a cached answer is served without asking when nothing has been committed since
it was last checked against the database; after any commit the next read asks again, exactly
as before.

The rule that makes this safe: a process advances the clock *after* the database has
committed and *before* it answers; a reader notes the clock *before* it sends its statement
and stamps what that statement confirmed with the value it noted. A reader that arrives after
a write was answered therefore sees a value no stamp carries and asks the database, whose
snapshot holds the write.

What the clock cannot see: a write by something that is not this service's code on this
machine (``psql`` by hand, a process on another host against the same database). The clock is
therefore only trusted for :data:`TRUST_SECONDS`; after that a read asks the database again
even if the clock stood still, so such a write shows within that time. Every engine is made
by :func:`booking.db.make_engine`, which installs the clock: the web workers, the background
worker and the CLI's commands share it through a file named after the database.

The counter is eight bytes in a shared file mapping (PostgreSQL: in a directory of the service's
user in ``/dev/shm``; SQLite: beside the database file), read without a lock (an aligned
eight-byte read) and advanced under an exclusive ``flock`` (several processes commit at
once; a lost increment could let a stale answer through). It only ever grows.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import logging
import mmap
import os
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

# How long a check against the database is trusted while the clock stands still: the bound on
# how late a write that bypasses the service shows in the availability read.
TRUST_SECONDS = 2.0

_SIZE = 8


class ChangeClock:
    """A counter shared by the processes that open the same ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # flock is per open file: threads take turns first
        self._open()

    def _open(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            status = os.fstat(fd)
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                raise NotPrivate(f"{self.path} may be written by others than this user")
            if status.st_size < _SIZE:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    if os.fstat(fd).st_size < _SIZE:
                        os.ftruncate(fd, _SIZE)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            mapping = mmap.mmap(fd, _SIZE)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._pid = fd, os.getpid()
        # One aligned 64-bit word, loaded and stored whole (never torn into old and new bytes).
        self._cell = ctypes.c_uint64.from_buffer(mapping)

    def read(self) -> int:
        return self._cell.value

    def advance(self) -> int:
        """One more commit: the counter grows by one, whatever other processes do at once."""
        with self._lock:
            if self._pid != os.getpid():
                # A forked child shares the parent's open file, and with it the parent's flock:
                # it opens the file again so that their locks exclude each other.
                self._open()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                value = self._cell.value + 1
                self._cell.value = value
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        return value


_CLOCKS: dict[str, ChangeClock] = {}
_CLOCKS_LOCK = threading.Lock()


class NotPrivate(OSError):
    """The clock's file or directory may be written by other users than the service's."""


def clock_directory() -> Path:
    """A directory of this user's alone, in memory where the system has it (``/dev/shm``). Its
    files are shared by the service's processes, which run as one user; nobody else may write
    them (a clock set back could let a stale answer through)."""
    shm = Path("/dev/shm")  # noqa: S108 (a private directory in it, checked below)
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    return private_directory(base / f"raumplan-{os.getuid()}")


def private_directory(path: Path) -> Path:
    """``path`` as a directory only this user may enter and write (made if missing)."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    status = path.lstat()
    if (not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid()
            or status.st_mode & 0o077):
        raise NotPrivate(f"{path} is not a directory of this user's alone")
    return path


def clock_for(database: str) -> ChangeClock | None:
    """The clock of a PostgreSQL database (the cluster's identifier and the database's name),
    in :func:`clock_directory`: one per process."""
    name = hashlib.sha256(database.encode()).hexdigest()[:24]
    return _clock(database, lambda: clock_directory() / f"commits-{name}")


def clock_beside(database_file: Path) -> ChangeClock | None:
    """The clock of an SQLite database: a file beside it, ``<name>-commits``, as SQLite keeps
    its own ``-wal`` and ``-shm`` there. One per process."""
    real = database_file.resolve()
    return _clock(f"file:{real}", lambda: real.with_name(real.name + "-commits"))


def _clock(key: str, path: Callable[[], Path]) -> ChangeClock | None:
    """``None`` if the clock cannot be kept privately: then every read asks the database, and
    this process's commits show in other processes' reads within :data:`TRUST_SECONDS`."""
    with _CLOCKS_LOCK:
        clock = _CLOCKS.get(key)
        if clock is None:
            try:
                clock = ChangeClock(path())
            except OSError as error:
                logging.getLogger(__name__).warning(
                    "no commit clock, every availability read asks the database: %s", error)
                return None
            _CLOCKS[key] = clock
        return clock
