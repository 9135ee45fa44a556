"""Blob uploads: start, append, complete, cancel (the writer side of distribution's
blobwriter).

An upload's bytes go to ``/uploads/<id>/data`` and are hashed while they stream in, so a
blob is read from the network exactly once and never held in memory. The offset of an
upload is the size of that file: whatever a cut connection or a crash left there is what
the client may resume from. Only a completed upload whose digest matches is moved —
atomically — to its content address and recorded in the database; a mismatch deletes the
upload, so nothing half-written is ever visible.

Hash state cannot be saved in Python, so it lives in the process that received the
bytes; when another process (or the same one after a restart) completes the upload, the
data is re-hashed from storage.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from wharf.core.db import Database, PreparedQuery, SessionReader, Writer, utcnow
from wharf.core.metrics import Metrics
from wharf.registry import blobs
from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.models import Upload
from wharf.registry.names import Digest, parse_digest
from wharf.registry.repositories import check_push_target, existing_repository_id
from wharf.storage import BlobDriver, FileWriter, PathNotFound
from wharf.storage.paths import upload_data_path

_HASHERS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
# Bytes handed to the hashing and writing threads at a time: large enough that the
# thread hop is noise, small enough to keep memory flat (two batches in flight at most).
# Measured (eighth session, ten paired rounds of eight concurrent 16 MiB pushes): 2 MiB
# takes 7 % less server CPU per MiB than 1 MiB and pushes 9 % more; 4 MiB is no better.
PIPELINE_BATCH = 2 * 1024 * 1024
# A smaller batch (the tail of a body, a small blob) is hashed and written on the loop.
THREADED_BATCH = 256 * 1024
# Every this many bytes an upload asks the disk to catch up (in the background), so the
# final fsync of a large blob, or the wait at the end of a PATCH, has little left to do.
# Once per batch: "only at the end" is far slower, and flushing less often than every
# batch gained nothing.
WRITEBACK_BYTES = PIPELINE_BATCH


@dataclass
class _HashState:
    offset: int
    hasher: Any


@dataclass(frozen=True)
class UploadStatus:
    id: str
    offset: int


@dataclass(frozen=True)
class CommittedBlob:
    digest: str
    size: int


_UPLOAD_REPOSITORY = PreparedQuery(
    select(Upload.repository_name).where(Upload.id == bindparam("upload_id"))
)
_UPLOAD_COLUMNS = ["id", "repository_name", "account_name", "offset", "started_at", "updated_at"]
_INSERT_UPLOAD = PreparedQuery(
    insert(cast(Table, Upload.__table__)).values({c: bindparam(c) for c in _UPLOAD_COLUMNS})
)
_SET_OFFSET = PreparedQuery(
    update(cast(Table, Upload.__table__))
    .where(Upload.id == bindparam("upload_id"))
    .values(offset=bindparam("new_offset"), updated_at=bindparam("now"))
)
_DELETE_UPLOAD = PreparedQuery(delete(Upload).where(Upload.id == bindparam("upload_id")))


def _set_offset(writer: Writer, upload_id: str, offset: int) -> None:
    writer.execute(_SET_OFFSET, upload_id=upload_id, new_offset=offset, now=utcnow())


def _delete_upload_row(writer: Writer, upload_id: str) -> None:
    writer.execute(_DELETE_UPLOAD, upload_id=upload_id)


def list_upload_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Upload.id)))


def _failed(future: asyncio.Future[Any]) -> bool:
    """Whether a finished background flush failed (and its failure is now seen)."""
    return future.cancelled() or future.exception() is not None


def _hash_all(hasher: Any, chunks: list[bytes]) -> None:
    for chunk in chunks:
        hasher.update(chunk)


def _hash_and_write(hasher: Any | None, writer: FileWriter, chunks: list[bytes]) -> None:
    if hasher is not None:
        _hash_all(hasher, chunks)
    writer.write_blocking(*chunks)


class ReceivePipeline:
    """Receive, and hash and write, overlap instead of taking turns on the loop thread.

    Each batch of received chunks is hashed and then written on a worker thread
    (hashlib and the write release the GIL) while the loop receives the next batch; a
    batch waits for the previous one, so batches reach the hash and the file in order.
    Hashing and writing share one hop: measured with eight concurrent 16 MiB pushes,
    one hop per batch takes a tenth less server CPU per MiB than a hop each, and pushes
    6-8 % more. The loop's default executor, not anyio's worker threads, for the same
    reason: about 80 against 100 microseconds of CPU per hop here. Every
    ``WRITEBACK_BYTES`` the disk is asked to catch up in the background, so the final
    flush of a large blob does not start from a gigabyte of dirty pages. A small batch
    (a whole 4 KiB blob) is hashed and written in place: the thread hand-offs would cost
    more than the work."""

    def __init__(self, writer: FileWriter, hasher: Any | None) -> None:
        self._writer = writer
        self._hasher = hasher
        self._writing: asyncio.Future[None] | None = None
        self._syncing: asyncio.Future[None] | None = None
        self._unsynced = 0

    async def push(self, chunks: list[bytes], size: int) -> None:
        await self._finish_batch()
        if size < THREADED_BATCH:
            if self._hasher is not None:
                _hash_all(self._hasher, chunks)
            await self._writer.write(*chunks)
            return
        self._writing = asyncio.get_running_loop().run_in_executor(
            None, _hash_and_write, self._hasher, self._writer, chunks
        )
        self._unsynced += size
        if self._unsynced >= WRITEBACK_BYTES and (self._syncing is None or self._syncing.done()):
            if self._syncing is not None:
                await self._syncing  # raises what the last background flush hit
            self._syncing = asyncio.ensure_future(self._writer.sync())
            self._unsynced = 0

    async def _finish_batch(self) -> None:
        # Forgotten only once it is done. Shielded: a cancelled wait must not look like
        # a finished job, because ``abandon`` waits for it so that no thread is left
        # writing to a file descriptor the caller is about to close.
        if self._writing is not None:
            await asyncio.shield(self._writing)
            self._writing = None

    async def drain(self) -> None:
        """Wait for everything handed out; raises the first failure."""
        await self._finish_batch()
        syncing, self._syncing = self._syncing, None
        if syncing is not None:
            await syncing

    async def release(self) -> asyncio.Future[None] | None:
        """Wait for the writes handed out but not for the background flush, which is
        returned still running (or None): the end of a PATCH need not wait for the disk,
        since the blob is made durable when the upload completes. The writer may be
        closed meanwhile (a flush has its own descriptor)."""
        await self._finish_batch()
        syncing, self._syncing = self._syncing, None
        return syncing

    async def abandon(self) -> None:
        """Wait for everything handed out, ignoring failures (the upload already failed)."""
        cancelled = False
        for pending in (self._writing, self._syncing):
            if pending is None:
                continue
            while not pending.done():
                try:
                    await asyncio.wait([pending])  # never cancels what it waits for
                except asyncio.CancelledError:
                    cancelled = True  # still wait for the thread; cancelled afterwards
            if not pending.cancelled():
                pending.exception()  # seen: the upload already failed for its own reason
        self._writing = self._syncing = None
        if cancelled:
            raise asyncio.CancelledError


class UploadService:
    def __init__(self, db: Database, driver: BlobDriver, metrics: Metrics) -> None:
        self.db = db
        self.driver = driver
        self.metrics = metrics
        self._hashes: dict[str, _HashState] = {}
        # Background flushes still running after their PATCH was answered, by upload.
        # A failed one stays here until the upload's next request learns of it.
        self._flushing: dict[str, asyncio.Future[Any]] = {}

    async def start(self, repository: str, account_name: str) -> UploadStatus:
        """Record a new upload (refused if the push may not create ``repository``). Its
        file is created by the first bytes that arrive: an upload without one is empty."""
        upload_id = str(uuid.uuid4())
        now = utcnow()
        row = {
            "id": upload_id,
            "repository_name": repository,
            "account_name": account_name,
            "offset": 0,
            "started_at": now,
            "updated_at": now,
        }

        def add_to_existing(writer: Writer) -> bool:
            if existing_repository_id(writer, repository) is None:
                return False
            writer.execute(_INSERT_UPLOAD, **row)
            return True

        def add(session: Session) -> None:
            check_push_target(session, repository)
            SessionReader(session).execute(_INSERT_UPLOAD, **row)

        if not await self.db.write(add_to_existing):
            await self.db.run(add)  # a new repository: may this push create it?
        self._hashes[upload_id] = _HashState(0, hashlib.sha256())
        return UploadStatus(upload_id, 0)

    async def _find_upload(self, repository: str, upload_id: str) -> None:
        """BLOB_UPLOAD_UNKNOWN unless ``upload_id`` is an upload into ``repository``."""
        row = await self.db.fetch_one(_UPLOAD_REPOSITORY, {"upload_id": upload_id})
        if row is None or row[0] != repository:
            raise RegistryError(ErrorCode.BLOB_UPLOAD_UNKNOWN, detail={"uuid": upload_id})

    async def status(self, repository: str, upload_id: str) -> UploadStatus:
        await self._find_upload(repository, upload_id)
        return UploadStatus(upload_id, await self._stored_size(upload_id))

    async def _stored_size(self, upload_id: str) -> int:
        try:
            return (await self.driver.stat(upload_data_path(upload_id))).size
        except PathNotFound:
            return 0  # no bytes have arrived yet

    async def append(
        self,
        repository: str,
        upload_id: str,
        body: AsyncIterator[bytes],
        range_start: int | None = None,
    ) -> UploadStatus:
        """Append a chunk. ``range_start`` (from Content-Range) must equal the current
        offset: chunks are accepted strictly in order."""
        await self._find_upload(repository, upload_id)
        offset = await self._receive(upload_id, body, range_start)
        await self.db.write(_set_offset, upload_id, offset)
        return UploadStatus(upload_id, offset)

    async def _receive(
        self,
        upload_id: str,
        body: AsyncIterator[bytes],
        range_start: int | None,
        final: bool = False,
    ) -> int:
        """Stream ``body`` onto the upload file; returns the new size. The last chunk of
        an upload (``final``) is made durable before the blob is published."""
        await self._settle_flush(upload_id, wait=final)
        path = upload_data_path(upload_id)
        writer = await self.driver.writer(path, append=True)
        offset = writer.size
        if range_start is not None and range_start != offset:
            await writer.close()
            raise RegistryError(
                ErrorCode.RANGE_INVALID,
                f"chunk starts at byte {range_start} but the upload has {offset} bytes; "
                "send chunks in order",
                headers={"Range": range_header(offset)},
            )
        state = self._hashes.get(upload_id)
        if state is not None and state.offset != offset:
            state = None
        self._hashes.pop(upload_id, None)
        self.metrics.uploads_in_flight.inc()
        received = 0
        flushing: asyncio.Future[None] | None = None
        pipeline = ReceivePipeline(writer, state.hasher if state is not None else None)
        batch: list[bytes] = []
        batch_size = 0
        try:
            async for chunk in body:
                batch.append(chunk)
                batch_size += len(chunk)
                if batch_size >= PIPELINE_BATCH:
                    received += batch_size
                    await pipeline.push(batch, batch_size)
                    batch, batch_size = [], 0
            if batch:
                received += batch_size
                await pipeline.push(batch, batch_size)
                batch, batch_size = [], 0
            if final:
                await pipeline.drain()
                await writer.commit()
            else:
                flushing = await pipeline.release()
        except BaseException:
            # A cut connection keeps what arrived (the client may resume from there).
            # The hash state may no longer match the file: drop it; completing the
            # upload re-hashes from storage.
            state = None
            await pipeline.abandon()
            if batch:
                received += batch_size
                await writer.write(*batch)
            raise
        finally:
            self.metrics.uploads_in_flight.dec()
            self.metrics.bytes_received.inc(received)
            await writer.close()
            if state is not None:
                state.offset = writer.size
                self._hashes[upload_id] = state
            if flushing is not None:
                self._flush_later(upload_id, flushing)
        return writer.size

    def _flush_later(self, upload_id: str, flushing: asyncio.Future[Any]) -> None:
        """Let a PATCH's last background flush finish after the PATCH is answered. The
        upload's later PATCHes do not wait for it either; completing the upload does
        (``_settle_flush``), before its own final flush."""
        earlier = self._flushing.get(upload_id)
        if earlier is not None:
            if earlier.done() and _failed(earlier):
                return  # the upload is already lost; its next request says so
            if not earlier.done():
                flushing = asyncio.gather(earlier, flushing)  # fails if either does
        self._flushing[upload_id] = flushing

        def forget(done: asyncio.Future[Any]) -> None:
            if not _failed(done) and self._flushing.get(upload_id) is done:
                del self._flushing[upload_id]

        flushing.add_done_callback(forget)

    async def _settle_flush(self, upload_id: str, *, wait: bool) -> None:
        """Learn how the flushes the upload's earlier PATCHes left running went: wait for
        them (``wait``, before completing the upload), or look only at those already
        over. If one failed, the bytes it covered may never reach the disk, and a later
        flush through another descriptor would not report it: the upload is discarded
        and must start again."""
        flushing = self._flushing.get(upload_id)
        if flushing is None or not (wait or flushing.done()):
            return
        await asyncio.wait([flushing])
        if self._flushing.get(upload_id) is flushing:
            del self._flushing[upload_id]
        if not _failed(flushing):
            return
        error = None if flushing.cancelled() else flushing.exception()
        await self._discard(upload_id)
        raise RegistryError(
            ErrorCode.BLOB_UPLOAD_INVALID,
            f"the upload's data could not be written to disk ({error or 'interrupted'}); "
            "it was discarded: start the upload again",
        )

    async def complete(
        self,
        repository: str,
        upload_id: str,
        digest_text: str,
        body: AsyncIterator[bytes],
    ) -> CommittedBlob:
        """Append the final chunk, check the digest and publish the blob."""
        await self._find_upload(repository, upload_id)
        try:
            digest = parse_digest(digest_text)
        except RegistryError:
            await self.cancel(repository, upload_id)
            raise
        return await self._finish(repository, upload_id, digest, body)

    async def put_monolithic(
        self, repository: str, digest_text: str, body: AsyncIterator[bytes]
    ) -> CommittedBlob:
        """POST with ``?digest=``: the whole blob in one request. No upload row is
        written: there is nothing to resume, and a crash leaves only a file in
        ``/uploads`` that the purge task removes."""
        digest = parse_digest(digest_text)
        upload_id = str(uuid.uuid4())
        self._hashes[upload_id] = _HashState(0, _HASHERS[digest.algorithm]())
        return await self._finish(repository, upload_id, digest, body)

    async def _finish(
        self, repository: str, upload_id: str, digest: Digest, body: AsyncIterator[bytes]
    ) -> CommittedBlob:
        """The last chunk of an upload (maybe empty), then the blob's publication."""
        head, rest = await _read_head(body, THREADED_BATCH)
        state = self._hashes.get(upload_id)
        if (
            rest is None
            and state is not None
            and state.hasher.name == digest.algorithm
            # Another replica may have appended to the upload since this one hashed it.
            and await self._stored_size(upload_id) == state.offset
        ):
            return await self._finish_small(repository, upload_id, digest, head, state)
        size = await self._receive(upload_id, rest or _replay(head), None, final=True)
        return await self._publish(repository, upload_id, digest, size)

    async def _finish_small(
        self,
        repository: str,
        upload_id: str,
        digest: Digest,
        chunks: list[bytes],
        state: _HashState,
    ) -> CommittedBlob:
        """A small last chunk whose upload's hash is known: the digest is checked before
        anything is written, then the chunk is appended, flushed and renamed into place in
        one trip to a worker thread instead of three (open, flush, rename): a 4 KiB push
        is a few such steps, and each trip costs a thread wake-up."""
        await self._settle_flush(upload_id, wait=True)
        self._hashes.pop(upload_id, None)
        for chunk in chunks:
            state.hasher.update(chunk)
        size = state.offset + sum(len(chunk) for chunk in chunks)
        self.metrics.bytes_received.inc(size - state.offset)
        await self._check_digest(
            upload_id, digest, f"{digest.algorithm}:{state.hasher.hexdigest()}"
        )
        source = upload_data_path(upload_id)
        if await blobs.blob_in_storage(self.driver, digest):
            await self._remove_dir(upload_id)
        else:
            await self.driver.append_and_move(source, chunks, blobs.storage_path(digest))
        await self._record(repository, upload_id, digest, size)
        return CommittedBlob(str(digest), size)

    async def _computed_digest(self, upload_id: str, algorithm: str, size: int) -> str:
        state = self._hashes.pop(upload_id, None)
        if state is not None and state.offset == size and state.hasher.name == algorithm:
            return f"{algorithm}:{state.hasher.hexdigest()}"
        hasher = _HASHERS[algorithm]()
        async for chunk in self.driver.read(upload_data_path(upload_id)):
            hasher.update(chunk)
        return f"{algorithm}:{hasher.hexdigest()}"

    async def _publish(
        self, repository: str, upload_id: str, digest: Digest, size: int
    ) -> CommittedBlob:
        computed = await self._computed_digest(upload_id, digest.algorithm, size)
        await self._check_digest(upload_id, digest, computed)
        target = blobs.storage_path(digest)
        if await blobs.blob_in_storage(self.driver, digest):
            await self.driver.delete(upload_data_path(upload_id))
        else:
            await self.driver.move(upload_data_path(upload_id), target)
        await self._record(repository, upload_id, digest, size)
        return CommittedBlob(str(digest), size)

    async def _check_digest(self, upload_id: str, digest: Digest, computed: str) -> None:
        """DIGEST_INVALID, and the upload discarded, unless the bytes hash to ``digest``."""
        if computed != str(digest):
            await self._discard(upload_id)
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"uploaded content has digest {computed}, not {digest}; the upload was discarded",
                detail={"expected": str(digest), "computed": computed},
            )

    async def _record(self, repository: str, upload_id: str, digest: Digest, size: int) -> None:
        """Record the stored blob, link it into ``repository`` and forget the upload."""

        def record_in_existing(writer: Writer) -> bool:
            repository_id = existing_repository_id(writer, repository)
            if repository_id is None:
                return False
            blobs.link_new_blob(writer, repository_id, str(digest), size)
            _delete_upload_row(writer, upload_id)
            return True

        def record(session: Session) -> None:
            blobs.record_blob(session, repository, str(digest), size)
            _delete_upload_row(SessionReader(session), upload_id)

        if not await self.db.write(record_in_existing):
            await self.db.run(record)  # the first blob of a new repository creates it

    async def cancel(self, repository: str, upload_id: str) -> None:
        await self._find_upload(repository, upload_id)
        await self._discard(upload_id)

    async def _discard(self, upload_id: str) -> None:
        self._hashes.pop(upload_id, None)
        flushing = self._flushing.pop(upload_id, None)
        if flushing is not None:
            await asyncio.wait([flushing])  # its descriptor is closed when it ends
        await self._remove_dir(upload_id)
        await self.db.write(_delete_upload_row, upload_id)

    async def _remove_dir(self, upload_id: str) -> None:
        with contextlib.suppress(PathNotFound):
            await self.driver.delete(upload_data_path(upload_id))


async def _read_head(
    body: AsyncIterator[bytes], limit: int
) -> tuple[list[bytes], AsyncIterator[bytes] | None]:
    """The body's first chunks, up to ``limit`` bytes or its end. The second value is None
    when that was the whole body, else an iterator over all of it (head included)."""
    head: list[bytes] = []
    size = 0
    async for chunk in body:
        head.append(chunk)
        size += len(chunk)
        if size >= limit:
            return head, _replay(head, body)
    return head, None


async def _replay(
    head: list[bytes], rest: AsyncIterator[bytes] | None = None
) -> AsyncIterator[bytes]:
    for chunk in head:
        yield chunk
    if rest is not None:
        async for chunk in rest:
            yield chunk


def range_header(offset: int) -> str:
    """Bytes received so far, as the spec's ``Range: 0-<last byte>`` (``0-0`` when
    empty, as the reference registry answers)."""
    return f"0-{max(offset - 1, 0)}"
