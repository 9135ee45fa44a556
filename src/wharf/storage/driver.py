"""The storage driver contract: plain verbs on paths, in the spirit of distribution's
storagedriver. Paths are absolute, slash-separated, and made of ``[A-Za-z0-9._-]``
segments; a driver never interprets them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class StorageError(Exception):
    """Base of every driver error."""


class PathNotFound(StorageError):
    def __init__(self, path: str) -> None:
        super().__init__(f"path not found: {path}")
        self.path = path


class InvalidPath(StorageError):
    def __init__(self, path: str) -> None:
        super().__init__(f"invalid storage path: {path!r}")
        self.path = path


class InvalidOffset(StorageError):
    def __init__(self, path: str, offset: int) -> None:
        super().__init__(f"invalid offset {offset} for {path}")
        self.path = path
        self.offset = offset


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    is_dir: bool = False
    # Last modification, seconds since the epoch (what stale-upload purging ages by).
    modified: float = 0.0


@runtime_checkable
class FileWriter(Protocol):
    """An open file being written. Nothing is visible at its path's final place until
    the caller moves it; ``commit`` makes the written bytes durable, ``cancel`` removes
    them."""

    @property
    def size(self) -> int:
        """Bytes in the file, including those appended by this writer."""
        ...

    async def write(self, *chunks: bytes) -> None:
        """Append ``chunks`` in order (one call, so a driver may hand them to the
        system at once)."""
        ...

    def write_blocking(self, *chunks: bytes) -> None:
        """``write`` on the calling thread, which may wait for the disk: for a caller
        already on a worker thread with other work for the same hop (an upload hashes
        and writes each batch in one), since every hop costs a thread wake-up."""
        ...

    def sync(self) -> Awaitable[None]:
        """Make the bytes written so far durable, without closing. Long uploads call it
        as they go, so the disk writes while the network still delivers and the final
        commit only has the tail left. The writer may be closed while a sync is still
        running: the sync finishes on its own."""
        ...

    async def commit(self) -> None:
        """Flush and make durable (fsync); the writer is closed afterwards."""
        ...

    async def close(self) -> None:
        """Flush and close without the durability guarantee (e.g. after a cut upload)."""
        ...

    async def cancel(self) -> None:
        """Close and delete the file."""
        ...


@runtime_checkable
class BlobDriver(Protocol):
    name: str

    async def stat(self, path: str) -> FileInfo:
        """Size of the file at ``path``; raises :class:`PathNotFound`."""
        ...

    def read(self, path: str, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """Stream ``length`` bytes (all if None) starting at ``offset``."""
        ...

    async def get_content(self, path: str) -> bytes:
        """The whole (small) file; raises :class:`PathNotFound`."""
        ...

    async def put_content(self, path: str, data: bytes) -> None:
        """Write a small file atomically (readers see the old or the new content)."""
        ...

    async def writer(self, path: str, append: bool = False) -> FileWriter:
        """Open ``path`` for writing, truncating it unless ``append``."""
        ...

    async def move(self, source: str, dest: str) -> None:
        """Atomically rename, replacing ``dest``; raises :class:`PathNotFound`."""
        ...

    async def append_and_move(self, source: str, chunks: Sequence[bytes], dest: str) -> None:
        """Append ``chunks`` to ``source`` (created if missing), make all of it durable,
        then rename it to ``dest`` as :meth:`move` does: the end of a small upload, in
        one step instead of a writer, a commit and a move."""
        ...

    async def delete(self, path: str) -> None:
        """Delete a file or a whole directory tree; raises :class:`PathNotFound`."""
        ...

    async def list(self, path: str) -> list[str]:
        """Full paths of the direct children of a directory; raises :class:`PathNotFound`."""
        ...

    def local_path(self, path: str) -> str | None:
        """A filesystem path the web server may send without copying, or None."""
        ...

    async def redirect_url(self, path: str, method: str = "GET") -> str | None:
        """A URL clients may fetch the file from directly (object storage), or None."""
        ...
