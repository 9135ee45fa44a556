"""The LDAP service of a running server: the login hook, test logins, sync jobs (on
demand and every ``syncIntervalHours``), and the background task that runs them.

Directory calls block (ldap3 is synchronous), so sync jobs run on worker threads and use
the database through short transactions of their own. A login through the directory
runs inside the login's transaction like any password check; its LDAP calls are bounded
by the client's connect and receive timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from wharf.access.accounts import ACCOUNT_NAME, create_user, get_account
from wharf.access.ldap.client import Directory, DirectoryError
from wharf.access.ldap.config import LdapConfig, SecretBox, load_config, save_config
from wharf.access.ldap.sync import (
    LdapDisabled,
    SyncResult,
    TeamSyncOutcome,
    full_sync,
    load_state,
    save_state,
    sync_team,
)
from wharf.access.models import Account
from wharf.core.db import Database, utcnow
from wharf.core.logging import get_logger

log = get_logger("access.ldap")

SECRET_PURPOSE = b"wharf ldap settings secrets v1"


class SyncRunning(Exception):
    """A sync is already running in this process."""


@dataclass
class SyncJob:
    trigger: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = "running"
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    progress: dict[str, Any] = field(
        default_factory=lambda: {"phase": "starting", "done": 0, "total": 0}
    )
    result: SyncResult | None = None
    error: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "jobID": self.id,
            "trigger": self.trigger,
            "state": self.state,
            "startedAt": self.started_at.isoformat(),
            "finishedAt": self.finished_at.isoformat() if self.finished_at else None,
            "progress": dict(self.progress),
            "result": self.result.view() if self.result else None,
            "error": self.error,
        }


class LdapService:
    def __init__(self, db: Database, box: SecretBox, check_seconds: float = 60.0) -> None:
        self.db = db
        self.box = box
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._current: SyncJob | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._scheduler: asyncio.Task[None] | None = None
        self._first_request_seen = False
        self._retry_at = 0.0
        self._baseline: datetime | None = None

    @classmethod
    def with_key_material(cls, db: Database, material: bytes) -> LdapService:
        return cls(db, SecretBox.derived_from(material, SECRET_PURPOSE))

    # -- settings ------------------------------------------------------------------------------

    def config(self, session: Session) -> LdapConfig:
        return load_config(session, self.box)

    def save(self, session: Session, config: LdapConfig) -> None:
        save_config(session, self.box, config)

    # -- logins --------------------------------------------------------------------------------

    def directory_login(
        self, session: Session, name: str, password: str, account: Account | None
    ) -> Account | None:
        """The Authenticator's directory hook: find the user with the search configs,
        bind as them, and return their account — created just in time when JIT
        provisioning is on. None means "not proven"."""
        if not password:
            return None
        config = self.config(session)
        if not config.enabled:
            return None
        wanted = name.lower()
        if account is None and wanted != name:
            account = get_account(session, wanted)
        if account is not None and account.source != "ldap":
            return None
        if not ACCOUNT_NAME.match(wanted):
            return None
        directory = Directory(config)
        try:
            user = directory.find_user(wanted)
            if user is None or user.account_name != wanted:
                return None
            if not directory.check_password(user, password):
                return None
        except DirectoryError as exc:
            log.warning("ldap login failed", extra={"username": wanted, "error": str(exc)})
            return None
        full_name = user.full_name[:255]
        if account is None:
            if not config.jit_user_provisioning:
                return None
            account = create_user(
                session, wanted, None, full_name=full_name, source="ldap", ldap_dn=user.dn
            )
            log.info("ldap user provisioned", extra={"username": wanted, "dn": user.dn})
            return account
        if account.ldap_dn != user.dn:
            account.ldap_dn = user.dn
        if full_name and account.full_name != full_name:
            account.full_name = full_name
        return account

    @staticmethod
    def test_login(config: LdapConfig, username: str, password: str) -> dict[str, Any]:
        """What a login as ``username`` would do with ``config``; blocking."""
        directory = Directory(config)
        try:
            user = directory.find_user(username)
            if user is None:
                return {
                    "ok": False,
                    "error": f"no user {username!r} is found by the user search configurations",
                }
            if not directory.check_password(user, password):
                return {
                    "ok": False,
                    "dn": user.dn,
                    "error": f"the directory refused the password for {user.dn}",
                }
        except DirectoryError as exc:
            return {"ok": False, "error": str(exc)}
        return {
            "ok": True,
            "dn": user.dn,
            "username": user.account_name,
            "fullName": user.full_name,
            "searchIndex": user.search_index,
            "server": user.server.url,
        }

    # -- sync ----------------------------------------------------------------------------------

    def _begin(self, trigger: str) -> SyncJob:
        if not self._lock.acquire(blocking=False):
            raise SyncRunning()
        job = SyncJob(trigger)
        self._current = job
        return job

    def _execute(self, job: SyncJob) -> SyncJob:
        """Run ``job`` (whose lock is held) to its end, recording and logging it."""
        started = time.monotonic()

        def progress(phase: str, done: int, total: int) -> None:
            job.progress = {"phase": phase, "done": done, "total": total}

        log.info("ldap sync started", extra={"job": job.id, "trigger": job.trigger})
        # The job reads "running" until its outcome is recorded: ``status`` answers from
        # the job while it runs and from the record after, so no poll falls in between.
        state, error = "failed", None
        try:
            config = self.db.call(self.config)
            job.result = full_sync(self.db, config, progress)
            state = "succeeded" if job.result.complete else "partial"
        except LdapDisabled as exc:
            error = str(exc)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.exception("ldap sync crashed", extra={"job": job.id})
        finally:
            job.finished_at = utcnow()
            job.progress = {**job.progress, "phase": "done"}
            try:
                self.db.call(self._record, {**job.view(), "state": state, "error": error})
            finally:
                job.state, job.error = state, error
                self._lock.release()
        log.info(
            "ldap sync finished",
            extra={
                "job": job.id,
                "trigger": job.trigger,
                "state": job.state,
                "error": job.error,
                "duration_seconds": round(time.monotonic() - started, 3),
                **(job.result.log_fields() if job.result else {}),
            },
        )
        return job

    @staticmethod
    def _record(session: Session, outcome: dict[str, Any]) -> None:
        state = load_state(session)
        state["last"] = outcome
        save_state(session, state)

    def run_sync(self, trigger: str = "manual") -> SyncJob:
        """One full sync, now, on this thread (blocking); SyncRunning if one is running."""
        return self._execute(self._begin(trigger))

    async def start_sync(self, trigger: str = "manual") -> tuple[SyncJob, bool]:
        """Start a full sync in the background; returns the job and whether it is new
        (False: one was already running, and that one is returned)."""
        try:
            job = self._begin(trigger)
        except SyncRunning:
            current = self._current
            assert current is not None
            return current, False
        self._spawn(asyncio.to_thread(self._execute, job))
        return job, True

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait for the background syncs this process started."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def status(self, session: Session) -> dict[str, Any]:
        current = self._current
        if current is not None and current.state == "running":
            return current.view()
        last = load_state(session).get("last")
        if isinstance(last, dict):
            return last
        return {"jobID": None, "state": "never", "progress": None, "result": None}

    def sync_team_now(self, config: LdapConfig, team_id: uuid.UUID) -> TeamSyncOutcome:
        """One team's member sync (blocking); DirectoryError if the directory fails."""
        return sync_team(self.db, Directory(config), team_id)

    # -- the periodic sync ------------------------------------------------------------------------

    def _due(self, now: datetime) -> bool:
        def read(session: Session) -> tuple[LdapConfig, Any]:
            return self.config(session), load_state(session).get("last")

        config, last = self.db.call(read)
        if not config.enabled:
            self._baseline = None
            return False
        anchor: datetime | None = None
        if isinstance(last, dict) and last.get("startedAt"):
            with contextlib.suppress(ValueError):
                anchor = datetime.fromisoformat(str(last["startedAt"]))
        if anchor is None:
            if self._baseline is None:
                self._baseline = now
            anchor = self._baseline
        top_of_hour = anchor.replace(minute=0, second=0, microsecond=0)
        return now >= top_of_hour + timedelta(hours=config.sync_interval_hours)

    async def _periodic(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                if await asyncio.to_thread(self._due, utcnow()):
                    _job, new = await self.start_sync("periodic")
                    if new:
                        await self.wait_idle()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ldap sync scheduler failed; retrying")

    def start_scheduler(self) -> None:
        """Start the periodic sync on the running event loop (idempotent)."""
        if self._scheduler is not None and not self._scheduler.done():
            return
        self._scheduler = asyncio.get_running_loop().create_task(self._periodic())

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop the periodic sync, and wait (bounded) for a running sync to finish."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scheduler
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wait_idle(), timeout)

    async def _start_if_enabled(self) -> None:
        enabled = await self.db.run(lambda s: self.config(s).enabled)
        if enabled:
            self.start_scheduler()

    @asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        """For servers that run ASGI lifespan: start on startup, stop on shutdown."""
        self._first_request_seen = True
        await self._start_if_enabled()
        try:
            yield
        finally:
            await self.stop()

    def background(self, app: ASGIApp) -> ASGIApp:
        """Wrap ``app`` so the first request starts the periodic sync when LDAP is on
        (servers without ASGI lifespan, like the embedded one of ``wharf up``)."""

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if not self._first_request_seen and scope["type"] == "http":
                now = time.monotonic()
                if now >= self._retry_at:
                    self._first_request_seen = True
                    try:
                        await self._start_if_enabled()
                    except Exception:
                        # The database may not be reachable yet: try again in a minute.
                        self._first_request_seen = False
                        self._retry_at = now + 60
                        log.exception("cannot start the ldap sync scheduler")
            await app(scope, receive, send)

        return wrapped
