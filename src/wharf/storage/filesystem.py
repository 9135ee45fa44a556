"""Local filesystem driver: files under one root directory.

Writes go to the caller's chosen (temporary) path and reach their final place only by an
atomic ``rename``, so a crash never leaves a partial file where a reader could find it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path

import anyio.to_thread

from wharf.storage.driver import FileInfo, PathNotFound

READ_CHUNK = 1024 * 1024
# Writes at least this large go to a worker thread (see FilesystemWriter.write); smaller
# ones cost less than the thread hand-off.
THREAD_WRITE_BYTES = 256 * 1024
IOV_MAX = 1024
# preadv2's "only from the page cache" flag, where the platform has it.
_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, chunks: tuple[bytes, ...]) -> None:
    """Write ``chunks`` to ``fd`` in order with as few ``writev`` calls as the kernel
    allows (it may write less than asked; the rest follows)."""
    views = [memoryview(chunk) for chunk in chunks if chunk]
    while views:
        written = os.writev(fd, views[:IOV_MAX])
        while written:
            head = views[0]
            if written >= len(head):
                written -= len(head)
                views.pop(0)
            else:
                views[0] = head[written:]
                written = 0


class FilesystemWriter:
    """An unbuffered file: the caller batches, so each ``write`` is one system call
    without a copy into a Python-side buffer first."""

    def __init__(self, full_path: str, append: bool) -> None:
        self._path = full_path
        mode = os.O_APPEND if append else os.O_TRUNC
        self._fd = os.open(full_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | mode, 0o666)
        self._closed = False
        self._size = os.fstat(self._fd).st_size

    @property
    def size(self) -> int:
        return self._size

    async def write(self, *chunks: bytes) -> None:
        size = sum(len(chunk) for chunk in chunks)
        if size >= THREAD_WRITE_BYTES:
            # Copying a megabyte into the page cache can wait on writeback: on a worker
            # thread, so the loop goes on receiving meanwhile.
            await anyio.to_thread.run_sync(self._write_sized, chunks, size)
        else:
            self._write_sized(chunks, size)

    def write_blocking(self, *chunks: bytes) -> None:
        self._write_sized(chunks, sum(len(chunk) for chunk in chunks))

    def _write_sized(self, chunks: tuple[bytes, ...], size: int) -> None:
        write_all(self._fd, chunks)
        self._size += size

    def sync(self) -> Awaitable[None]:
        # Through a duplicate of the descriptor, taken now and closed by the flush: the
        # writer may be closed while the flush still runs (a PATCH answers without
        # waiting for it), even before it starts.
        return anyio.to_thread.run_sync(_flush_and_close, os.dup(self._fd))

    async def commit(self) -> None:
        # fdatasync (the data and what is needed to read it back, not timestamps) waits
        # for the disk: on a worker thread, so the loop serves others meanwhile.
        await anyio.to_thread.run_sync(self.commit_blocking)

    def commit_blocking(self) -> None:
        try:
            os.fdatasync(self._fd)
        finally:
            self.close_blocking()

    async def close(self) -> None:
        self.close_blocking()

    def close_blocking(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._fd)

    async def cancel(self) -> None:
        await self.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._path)


def _read_cached(fd: int, buffer: memoryview, position: int) -> bytes | None:
    """What of ``buffer``'s length at ``position`` is in the page cache, read without
    waiting for the disk (``RWF_NOWAIT``), or None when the first page is not there (or
    the system cannot tell). The bytes are copied out: ``buffer`` is reused."""
    if _NOWAIT is None:
        return None
    try:
        count = os.preadv(fd, [buffer], position, _NOWAIT)
    except OSError:  # EAGAIN: not cached; any real error shows again on the thread
        return None
    return bytes(buffer[:count])


def _flush_and_close(fd: int) -> None:
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def _open_writer(full: str, append: bool) -> FilesystemWriter:
    try:
        return FilesystemWriter(full, append)
    except FileNotFoundError:  # the first file in its directory
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return FilesystemWriter(full, append)


def _append_and_move(source: str, chunks: tuple[bytes, ...], dest: str) -> None:
    writer = _open_writer(source, append=True)
    try:
        writer.write_blocking(*chunks)
        writer.commit_blocking()
    finally:
        writer.close_blocking()  # after a failed write: closed, not flushed
    _rename_durably(source, dest)


def _rename_durably(src: str, dst: str) -> None:
    """Rename ``src`` to ``dst`` (replacing it) and flush the directory, so the new name
    is on disk before anything that refers to it is recorded. Raises FileNotFoundError
    when ``src`` does not exist."""
    parent = os.path.dirname(dst)
    try:
        os.replace(src, dst)
    except FileNotFoundError:
        if not os.path.exists(src):
            raise
        os.makedirs(parent, exist_ok=True)  # the first file in its directory
        os.replace(src, dst)
    _fsync_dir(parent)


class FilesystemDriver:
    name = "filesystem"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _full(self, path: str) -> str:
        return str(self.root) + path

    async def stat(self, path: str) -> FileInfo:
        try:
            st = os.stat(self._full(path))
        except (FileNotFoundError, NotADirectoryError):
            raise PathNotFound(path) from None
        is_dir = os.path.isdir(self._full(path))
        return FileInfo(
            path=path, size=0 if is_dir else st.st_size, is_dir=is_dir, modified=st.st_mtime
        )

    async def read(
        self, path: str, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        # Read on the loop what the page cache already holds (a copy in memory, cheaper
        # than a thread hop), and on a worker thread only what must come from the disk,
        # so a cold blob never stalls the loop.
        try:
            fd = os.open(self._full(path), os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            raise PathNotFound(path) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise PathNotFound(path)
            # No larger than what there is to read: a config blob needs no 1 MiB buffer.
            wanted = info.st_size - offset if length is None else length
            buffer = memoryview(bytearray(min(READ_CHUNK, max(wanted, 1))))
            position, remaining = offset, length
            while remaining is None or remaining > 0:
                want = len(buffer) if remaining is None else min(len(buffer), remaining)
                chunk = _read_cached(fd, buffer[:want], position)
                if chunk is None:
                    chunk = await anyio.to_thread.run_sync(os.pread, fd, want, position)
                if not chunk:
                    break
                position += len(chunk)
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            os.close(fd)

    async def get_content(self, path: str) -> bytes:
        try:
            with open(self._full(path), "rb") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise PathNotFound(path) from None

    async def put_content(self, path: str, data: bytes) -> None:
        full = self._full(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        tmp = f"{full}.tmp.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, full)

    async def writer(self, path: str, append: bool = False) -> FilesystemWriter:
        # Creating a file can wait: for the journal, while other uploads' flushes commit
        # it, or, on an ext4 without one, for the inode allocator to skip the inodes
        # freed in the last minutes (a millisecond after many deletions). On a worker
        # thread, so the loop is not stalled behind it.
        return await anyio.to_thread.run_sync(_open_writer, self._full(path), append)

    async def move(self, source: str, dest: str) -> None:
        try:
            await anyio.to_thread.run_sync(_rename_durably, self._full(source), self._full(dest))
        except FileNotFoundError:
            raise PathNotFound(source) from None

    async def append_and_move(self, source: str, chunks: Sequence[bytes], dest: str) -> None:
        await anyio.to_thread.run_sync(
            _append_and_move, self._full(source), tuple(chunks), self._full(dest)
        )

    async def delete(self, path: str) -> None:
        full = self._full(path)
        if os.path.isdir(full):
            await anyio.to_thread.run_sync(shutil.rmtree, full)
            return
        try:
            os.remove(full)
        except (FileNotFoundError, NotADirectoryError):
            raise PathNotFound(path) from None

    async def list(self, path: str) -> list[str]:
        full = self._full(path)
        try:
            names = sorted(os.listdir(full))
        except (FileNotFoundError, NotADirectoryError):
            raise PathNotFound(path) from None
        prefix = path.rstrip("/")
        return [f"{prefix}/{name}" for name in names]

    def local_path(self, path: str) -> str | None:
        return self._full(path)

    async def redirect_url(self, path: str, method: str = "GET") -> str | None:
        return None
