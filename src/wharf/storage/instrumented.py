"""The wrapper every driver goes through: one path check and one error counter, so no
driver repeats them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence

from wharf.core.metrics import Metrics
from wharf.storage.driver import BlobDriver, FileInfo, FileWriter, InvalidPath, PathNotFound

_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)+$")


def check_path(path: str) -> str:
    if not _PATH.match(path) or any(seg in (".", "..") for seg in path.split("/")):
        raise InvalidPath(path)
    return path


class InstrumentedDriver:
    def __init__(self, inner: BlobDriver, metrics: Metrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._errors = metrics.storage_errors

    def _failed(self, operation: str) -> None:
        self._errors.labels(self.name, operation).inc()

    async def stat(self, path: str) -> FileInfo:
        return await self.inner.stat(check_path(path))

    async def read(
        self, path: str, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.inner.read(check_path(path), offset, length):
                yield chunk
        except PathNotFound:
            raise
        except OSError:
            self._failed("read")
            raise

    async def get_content(self, path: str) -> bytes:
        return await self.inner.get_content(check_path(path))

    async def put_content(self, path: str, data: bytes) -> None:
        try:
            await self.inner.put_content(check_path(path), data)
        except OSError:
            self._failed("put_content")
            raise

    async def writer(self, path: str, append: bool = False) -> FileWriter:
        try:
            return await self.inner.writer(check_path(path), append)
        except OSError:
            self._failed("writer")
            raise

    async def append_and_move(self, source: str, chunks: Sequence[bytes], dest: str) -> None:
        try:
            await self.inner.append_and_move(check_path(source), chunks, check_path(dest))
        except OSError:
            self._failed("append_and_move")
            raise

    async def move(self, source: str, dest: str) -> None:
        try:
            await self.inner.move(check_path(source), check_path(dest))
        except OSError:
            self._failed("move")
            raise

    async def delete(self, path: str) -> None:
        try:
            await self.inner.delete(check_path(path))
        except OSError:
            self._failed("delete")
            raise

    async def list(self, path: str) -> list[str]:
        return await self.inner.list(check_path(path))

    def local_path(self, path: str) -> str | None:
        return self.inner.local_path(check_path(path))

    async def redirect_url(self, path: str, method: str = "GET") -> str | None:
        return await self.inner.redirect_url(check_path(path), method)
