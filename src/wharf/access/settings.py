"""The access domain's admin settings sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from wharf.core.settings_store import InvalidSetting, Section


@dataclass
class SessionSettings(Section):
    """``[auth.sessions]``: lifetime of a login, when using it extends it, and how many
    a user may hold (the least recently used goes first)."""

    KEY: ClassVar[str] = "auth.sessions"
    lifetime_minutes: int = 60
    renewal_threshold_minutes: int = 20
    per_user_limit: int = 10

    def validate(self) -> None:
        if self.lifetime_minutes < 10:
            raise InvalidSetting("auth.sessions.lifetime_minutes: at least 10")
        if not 0 <= self.renewal_threshold_minutes <= self.lifetime_minutes - 5:
            raise InvalidSetting(
                "auth.sessions.renewal_threshold_minutes: between 0 and lifetime_minutes - 5"
            )
        if self.per_user_limit < 0:
            raise InvalidSetting("auth.sessions.per_user_limit: 0 (unlimited) or more")


@dataclass
class LockoutSettings(Section):
    """``[auth.account_lock]``: lock an account after repeated failed logins. The lock is
    silent (the same "invalid credentials" answer) and never applies to admins."""

    KEY: ClassVar[str] = "auth.account_lock"
    enabled: bool = True
    failure_triggers: int = 10
    duration_seconds: int = 600

    def validate(self) -> None:
        if self.failure_triggers < 1 or self.duration_seconds < 1:
            raise InvalidSetting("auth.account_lock: failure_triggers and duration_seconds >= 1")


@dataclass
class AuthSettings(Section):
    """``[auth]``: the role each new user gets on their private collection."""

    KEY: ClassVar[str] = "auth"
    default_new_user_role: str = "restrictedcontrol"
