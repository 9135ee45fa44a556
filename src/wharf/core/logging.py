"""Structured logs: one JSON object per line, so log shippers need no parsing rules.

Secrets never reach a log line: the access log records the path and the user, never
headers or query strings that could hold credentials (``/auth/token`` passwords travel in
headers and bodies, which are not logged).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}"
            for k, v in record.__dict__.items()
            if k not in _RESERVED and not k.startswith("_")
        )
        base = f"{record.levelname.lower():7} {record.name}: {record.getMessage()}"
        text = f"{base} {extras}" if extras else base
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Send every ``wharf.*`` logger to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("wharf")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    for noisy in ("_granian", "granian", "granian.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"wharf.{name}")


class AccessLog:
    """One line per HTTP request, written directly: at thousands of requests per second
    the generic ``logging`` machinery (records, handlers, formatters) would cost more
    than serving a manifest. Same shape as every other log line."""

    def __init__(self, fmt: str = "json", stream: Any = None) -> None:
        self.fmt = fmt
        self.stream = stream or sys.stderr

    def emit(self, fields: dict[str, Any]) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        if self.fmt == "json":
            line = json.dumps(
                {"time": now, "level": "info", "logger": "wharf.access", "msg": "request", **fields}
            )
        else:
            line = "info    wharf.access: request " + " ".join(
                f"{k}={v}" for k, v in fields.items()
            )
        self.stream.write(line + "\n")
