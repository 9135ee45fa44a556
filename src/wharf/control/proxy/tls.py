"""TLS for the Docker API listener, with half-close.

asyncio's own TLS transport closes the whole connection when the peer sends
close_notify. The Docker CLI sends exactly that when it is done writing to a hijacked
connection (``docker exec``, ``docker attach``) and then keeps reading the command's
output — so the proxy does TLS itself, over a plain TCP stream with an in-memory
``SSLObject``: the peer's close_notify ends our reading side only, and we may go on
writing until we close.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

RAW_READ = 256 * 1024


class TLSWriter:
    """The writing half, shaped like ``asyncio.StreamWriter`` for what the proxy uses."""

    def __init__(self, conn: TLSConnection) -> None:
        self._conn = conn

    def write(self, data: bytes) -> None:
        self._conn.encrypt(data)

    async def drain(self) -> None:
        await self._conn.raw_writer.drain()

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self._conn.close_notify()

    def close(self) -> None:
        self._conn.close()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "ssl_object":
            return self._conn.sslobj
        return self._conn.raw_writer.get_extra_info(name, default)

    def is_closing(self) -> bool:
        return self._conn.raw_writer.is_closing()


class TLSConnection:
    def __init__(
        self,
        raw_reader: asyncio.StreamReader,
        raw_writer: asyncio.StreamWriter,
        context: ssl.SSLContext,
    ) -> None:
        self.raw_reader = raw_reader
        self.raw_writer = raw_writer
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.sslobj = context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.reader = asyncio.StreamReader(limit=2**20)
        self._pump: asyncio.Task[None] | None = None
        self._closed = False

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data and not self.raw_writer.is_closing():
            self.raw_writer.write(data)

    async def handshake(self, timeout: float = 30.0) -> None:
        async def run() -> None:
            while True:
                try:
                    self.sslobj.do_handshake()
                    self._flush()
                    return
                except ssl.SSLWantReadError:
                    self._flush()
                    await self.raw_writer.drain()
                    data = await self.raw_reader.read(RAW_READ)
                    if not data:
                        raise ConnectionResetError("closed during the TLS handshake") from None
                    self.incoming.write(data)

        await asyncio.wait_for(run(), timeout)
        await self.raw_writer.drain()
        self._pump = asyncio.ensure_future(self._decrypt())

    async def _decrypt(self) -> None:
        """Move plaintext from the socket into ``reader`` until the peer's close_notify
        (or the socket's end); writing stays possible afterwards."""
        try:
            while True:
                try:
                    while True:
                        chunk = self.sslobj.read(RAW_READ)
                        if not chunk:
                            return
                        self.reader.feed_data(chunk)
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLZeroReturnError:
                    return
                self._flush()  # e.g. TLS 1.3 key updates
                data = await self.raw_reader.read(RAW_READ)
                if not data:
                    return
                self.incoming.write(data)
        except (ssl.SSLError, ConnectionError, OSError) as exc:
            self.reader.set_exception(ConnectionResetError(str(exc)))
        finally:
            if not self.reader.at_eof():
                self.reader.feed_eof()

    def encrypt(self, data: bytes) -> None:
        if self._closed:
            raise ConnectionResetError("TLS connection closed")
        view = memoryview(data)
        while view:
            written = self.sslobj.write(view)
            view = view[written:]
        self._flush()

    def close_notify(self) -> None:
        with contextlib.suppress(ssl.SSLError, ValueError):
            self.sslobj.unwrap()
        self._flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pump is not None:
            self._pump.cancel()
        with contextlib.suppress(Exception):
            self.close_notify()
        self.raw_writer.close()


async def accept(
    raw_reader: asyncio.StreamReader, raw_writer: asyncio.StreamWriter, context: ssl.SSLContext
) -> tuple[asyncio.StreamReader, TLSWriter]:
    conn = TLSConnection(raw_reader, raw_writer, context)
    await conn.handshake()
    return conn.reader, TLSWriter(conn)
