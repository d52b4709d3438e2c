"""ASGI entry point for uvicorn workers: ``booking.asgi:app`` (settings from the environment)."""

import multiprocessing
import os
import signal
import threading

from booking.app import create_app


def _stop_with_supervisor() -> None:
    """A web worker that uvicorn started (``--workers N``) stops gracefully when its
    supervisor is gone, e.g. killed with SIGKILL: no orphan keeps serving on the port."""
    parent = multiprocessing.parent_process()
    if parent is None:  # one worker: uvicorn serves in the serve process itself
        return

    def watch() -> None:
        parent.join()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="raumplan-supervisor-watch", daemon=True).start()


_stop_with_supervisor()
app = create_app()
