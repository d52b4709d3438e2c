"""Logs: one JSON object per line, from every logger (ours, Litestar's, uvicorn's, the
libraries') in every process (``raumplan serve``, its web workers, the background worker), so a
log collector can read each line.

structlog renders them, through Litestar's structlog plugin in the web app and through
:func:`configure` in the command-line processes. Records of the standard library's loggers go
through structlog's ``ProcessorFormatter``: a message with quotes or newlines and an exception's
traceback stay inside JSON strings, each record on one line. Every line has ``timestamp`` (UTC,
ISO 8601), ``level``, ``logger`` and ``message``; a logged exception adds ``exception``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from litestar.logging.config import LoggingConfig, StructLoggingConfig
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from structlog.typing import Processor

# What every record gets, whether it comes from a structlog or a standard library logger.
_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (tests replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _standard_library(level: str) -> LoggingConfig:
    return LoggingConfig(
        formatters={"json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "foreign_pre_chain": _SHARED,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.EventRenamer("message"),
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
        }},
        handlers={"console": {"()": StderrHandler, "formatter": "json"}},
        # Uvicorn's loggers propagate to the root (serve starts uvicorn without a log config
        # of its own); the litestar logger too, instead of Litestar's queue handler.
        loggers={"litestar": {"level": level, "handlers": [], "propagate": True}},
        root={"handlers": ["console"], "level": level},
    )


def logging_config(level: str = "INFO") -> StructLoggingConfig:
    level = level.upper()
    return StructLoggingConfig(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        standard_lib_logging_config=_standard_library(level),
        # Unexpected errors are logged once, by the app's own 500 handler (api/problems.py).
        log_exceptions="never",
        pretty_print_tty=False,
    )


def plugin(level: str = "INFO") -> StructlogPlugin:
    """Litestar's structlog plugin, without its per-request log lines (the hot read paths
    would pay for one line per request)."""
    return StructlogPlugin(StructlogConfig(structlog_logging_config=logging_config(level),
                                           enable_middleware_logging=False))


def configure(level: str = "INFO") -> None:
    """The same logs in a process without the web app (serve's supervisor, the worker)."""
    config = logging_config(level)
    config.configure()
    assert config.standard_lib_logging_config is not None
    config.standard_lib_logging_config.configure()
