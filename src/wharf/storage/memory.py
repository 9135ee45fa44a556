"""An in-memory driver. It passes the same conformance suite as the real drivers, so
unit tests of the registry can use it as a real implementation rather than a mock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from wharf.storage.driver import FileInfo, PathNotFound


class MemoryWriter:
    def __init__(self, files: dict[str, bytearray], path: str, append: bool) -> None:
        self._files = files
        self._path = path
        if not append or path not in files:
            files[path] = bytearray()
        self._buf = files[path]

    @property
    def size(self) -> int:
        return len(self._buf)

    async def write(self, *chunks: bytes) -> None:
        self.write_blocking(*chunks)

    def write_blocking(self, *chunks: bytes) -> None:
        for chunk in chunks:
            self._buf.extend(chunk)

    async def sync(self) -> None:
        return None

    async def commit(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def cancel(self) -> None:
        self._files.pop(self._path, None)


class MemoryDriver:
    name = "memory"

    def __init__(self) -> None:
        self.files: dict[str, bytearray] = {}
        self.modified: dict[str, float] = {}

    def _is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in self.files)

    async def stat(self, path: str) -> FileInfo:
        if path in self.files:
            return FileInfo(
                path=path, size=len(self.files[path]), modified=self.modified.get(path, 0.0)
            )
        if self._is_dir(path):
            return FileInfo(path=path, size=0, is_dir=True)
        raise PathNotFound(path)

    async def read(
        self, path: str, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        if path not in self.files:
            raise PathNotFound(path)
        data = bytes(self.files[path])
        end = len(data) if length is None else min(len(data), offset + length)
        if offset < end:
            yield data[offset:end]

    async def get_content(self, path: str) -> bytes:
        if path not in self.files:
            raise PathNotFound(path)
        return bytes(self.files[path])

    async def put_content(self, path: str, data: bytes) -> None:
        self.files[path] = bytearray(data)
        self.modified[path] = time.time()

    async def writer(self, path: str, append: bool = False) -> MemoryWriter:
        self.modified[path] = time.time()
        return MemoryWriter(self.files, path, append)

    async def move(self, source: str, dest: str) -> None:
        if source not in self.files:
            raise PathNotFound(source)
        self.files[dest] = self.files.pop(source)

    async def append_and_move(self, source: str, chunks: Sequence[bytes], dest: str) -> None:
        data = self.files.pop(source, bytearray())
        for chunk in chunks:
            data.extend(chunk)
        self.files[dest] = data
        self.modified[dest] = time.time()

    async def delete(self, path: str) -> None:
        if path in self.files:
            del self.files[path]
            return
        prefix = path.rstrip("/") + "/"
        doomed = [p for p in self.files if p.startswith(prefix)]
        if not doomed:
            raise PathNotFound(path)
        for p in doomed:
            del self.files[p]

    async def list(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        children = {
            prefix + p[len(prefix) :].split("/", 1)[0] for p in self.files if p.startswith(prefix)
        }
        if not children:
            raise PathNotFound(path)
        return sorted(children)

    def local_path(self, path: str) -> str | None:
        return None

    async def redirect_url(self, path: str, method: str = "GET") -> str | None:
        return None
