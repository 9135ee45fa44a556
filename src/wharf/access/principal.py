"""Who is asking: a snapshot of an account taken when the request was authenticated, so
decisions never touch a live ORM object outside its session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from wharf.access.models import Account


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    name: str
    is_admin: bool
    is_active: bool

    @classmethod
    def of(cls, account: Account) -> Principal:
        return cls(account.id, account.name, account.is_admin, account.is_active)
