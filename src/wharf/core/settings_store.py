"""Admin settings: typed sections (``auth.sessions``, ``scheduler``, ...) stored as JSON.

Each domain declares its sections as dataclasses with defaults; a missing row means
"defaults", and a stored value is validated field by field when read or written, so a
bad PUT is refused with a message naming the field and nothing is half-applied.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar, TypeVar, get_type_hints

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from wharf.core.db import Base, utcnow


class AdminSetting(Base):
    __tablename__ = "admin_settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InvalidSetting(ValueError):
    pass


class Section:
    """Base of a settings section: a dataclass with a storage ``KEY`` and optional
    ``validate`` for cross-field rules."""

    KEY: ClassVar[str]

    def validate(self) -> None:
        return None


S = TypeVar("S", bound=Section)


# Settings are counts and durations; a bound keeps date arithmetic on them from
# overflowing (a session lifetime of 10**30 minutes would break every login).
MAX_SETTING_INT = 2**31 - 1


def _expected(kind: Any) -> str:
    if kind is int:
        return f"an integer between -{MAX_SETTING_INT} and {MAX_SETTING_INT}"
    return str(getattr(kind, "__name__", kind))


def section_from(cls: type[S], data: Any, base: S | None = None) -> S:
    """Build a section from JSON, starting from ``base`` (or the defaults) so partial
    updates keep the other fields."""
    if not isinstance(data, dict):
        raise InvalidSetting(f"{cls.KEY}: expected an object")
    hints = get_type_hints(cls)
    current = as_dict(base if base is not None else cls())
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key, value in data.items():
        if key not in names:
            raise InvalidSetting(f"{cls.KEY}: unknown setting {key!r}")
        expected = hints[key]
        ok = (
            (expected is bool and isinstance(value, bool))
            or (
                expected is int
                and isinstance(value, int)
                and not isinstance(value, bool)
                and -MAX_SETTING_INT <= value <= MAX_SETTING_INT
            )
            or (expected is str and isinstance(value, str))
            or (expected not in (bool, int, str))
        )
        if not ok:
            raise InvalidSetting(f"{cls.KEY}.{key}: expected {_expected(expected)}")
        current[key] = value
    section = cls(**current)
    section.validate()
    return section


def get_section(session: Session, cls: type[S]) -> S:
    row = session.get(AdminSetting, cls.KEY)
    if row is None:
        return cls()
    return section_from(cls, row.value)


def put_section(session: Session, section: Section) -> None:
    section.validate()
    value = dataclasses.asdict(section)  # type: ignore[call-overload]
    row = session.get(AdminSetting, section.KEY)
    if row is None:
        session.add(AdminSetting(key=section.KEY, value=value))
    else:
        row.value = value
    session.flush()


def as_dict(section: Section) -> dict[str, Any]:
    return dataclasses.asdict(section)  # type: ignore[call-overload, no-any-return]
