"""Blob storage: bytes at paths, behind one narrow driver interface.

Nothing in this package knows what a digest, a repository or a manifest is; the registry
builds keys with :mod:`wharf.storage.paths` and hands them to a driver. Drivers are picked
by name (``storage.driver``) and always wrapped by :class:`InstrumentedDriver`, which checks
paths and records metrics once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wharf.core.metrics import Metrics
from wharf.storage.driver import BlobDriver, FileInfo, FileWriter, InvalidPath, PathNotFound
from wharf.storage.filesystem import FilesystemDriver
from wharf.storage.instrumented import InstrumentedDriver
from wharf.storage.memory import MemoryDriver

DRIVERS: dict[str, Callable[[Path], BlobDriver]] = {
    "filesystem": FilesystemDriver,
    "memory": lambda _root: MemoryDriver(),
}


def build_driver(name: str, root: Path, metrics: Metrics) -> BlobDriver:
    """The configured driver, wrapped with path checks and metrics."""
    try:
        factory = DRIVERS[name]
    except KeyError:
        raise ValueError(f"unknown storage driver {name!r}; known: {', '.join(DRIVERS)}") from None
    return InstrumentedDriver(factory(root), metrics)


__all__ = [
    "BlobDriver",
    "FileInfo",
    "FileWriter",
    "InvalidPath",
    "PathNotFound",
    "build_driver",
]
