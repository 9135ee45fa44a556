"""Roles: the built-in five and custom ones. Roles are immutable — edit by deleting and
creating again — and a role that a grant uses cannot be deleted.

The built-in operation sets follow the UCP matrix; where UCP's public record is silent we
decided, and ``docs/access-control.md`` records each decision and why.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wharf.access.interfaces import Conflict, InvalidInput, NotFound
from wharf.access.models import Grant, Role
from wharf.access.operations import SUB_OPTIONS, Operation, SubOption, resource_type

# What a role allows: operation → the sub-options enabled for it.
Permissions = Mapping[Operation, frozenset[SubOption]]


class RoleError(InvalidInput):
    pass


class RoleNotFound(NotFound):
    pass


class RoleInUse(Conflict):
    pass


class RoleExists(Conflict):
    pass


def _all(*ops: Operation) -> dict[Operation, frozenset[SubOption]]:
    """Operations with every sub-option they can carry."""
    return {op: frozenset(SUB_OPTIONS.get(op, ())) for op in ops}


def _base(*ops: Operation) -> dict[Operation, frozenset[SubOption]]:
    """Operations without any sub-option."""
    return {op: frozenset() for op in ops}


Op = Operation
Sub = SubOption

VIEW_ONLY: Permissions = _base(
    Op.CONFIG_VIEW,
    Op.CONTAINER_LOGS,
    Op.CONTAINER_STATS,
    Op.CONTAINER_TOP,
    Op.CONTAINER_VIEW,
    Op.IMAGE_HISTORY,
    Op.IMAGE_VIEW,
    Op.NETWORK_VIEW,
    Op.NODE_VIEW,
    Op.SECRET_VIEW,
    Op.SERVICE_LOGS,
    Op.SERVICE_VIEW,
    Op.SERVICE_VIEW_TASKS,
    Op.VOLUME_VIEW,
)

SCHEDULER: Permissions = _base(Op.NODE_VIEW, Op.NODE_SCHEDULE)

FULL_CONTROL: Permissions = _all(*Operation)

# Everything except what "affects the node": exec, privileged, capabilities, host
# mounts and host namespaces, node updates, and force-removing images.
RESTRICTED_CONTROL: Permissions = {
    **{op: frozenset() for op in Operation if op not in (Op.CONTAINER_EXEC, Op.NODE_UPDATE)},
    Op.CONTAINER_CREATE: frozenset({Sub.BRIDGE_NETWORKING}),
    Op.SERVICE_CREATE: frozenset({Sub.BRIDGE_NETWORKING}),
    Op.SERVICE_UPDATE: frozenset({Sub.BRIDGE_NETWORKING}),
    Op.NETWORK_CREATE: frozenset({Sub.ATTACHABLE}),
}

NONE: Permissions = {}

BUILTIN_ROLES: dict[str, tuple[str, Permissions]] = {
    "none": ("None", NONE),
    "viewonly": ("View Only", VIEW_ONLY),
    "restrictedcontrol": ("Restricted Control", RESTRICTED_CONTROL),
    "scheduler": ("Scheduler", SCHEDULER),
    "fullcontrol": ("Full Control", FULL_CONTROL),
}


def to_payload(permissions: Permissions) -> dict[str, dict[str, list[str]]]:
    """The UCP role payload shape: resource type → operation → enabled sub-options."""
    payload: dict[str, dict[str, list[str]]] = {}
    for op in sorted(permissions, key=lambda o: o.value):
        payload.setdefault(resource_type(op), {})[op.value] = sorted(
            s.value for s in permissions[op]
        )
    return payload


def from_payload(payload: Any) -> dict[Operation, frozenset[SubOption]]:
    """Parse and validate a role payload; RoleError names the first problem."""
    if not isinstance(payload, dict):
        raise RoleError("operations must be an object: resource type → operation → sub-options")
    permissions: dict[Operation, frozenset[SubOption]] = {}
    for rtype, ops in payload.items():
        if not isinstance(ops, dict):
            raise RoleError(f"operations[{rtype!r}] must be an object of operation → sub-options")
        for name, options in ops.items():
            try:
                op = Operation(name)
            except ValueError:
                raise RoleError(f"unknown operation {name!r}") from None
            if resource_type(op) != rtype:
                raise RoleError(
                    f"operation {name!r} belongs under {resource_type(op)!r}, not {rtype!r}"
                )
            if not isinstance(options, list):
                raise RoleError(f"sub-options of {name!r} must be a list")
            allowed = SUB_OPTIONS.get(op, ())
            subs = set()
            for opt in options:
                if opt not in allowed:
                    raise RoleError(
                        f"{name!r} has no sub-option {opt!r}"
                        + (f"; it has: {', '.join(allowed)}" if allowed else "")
                    )
                subs.add(SubOption(opt))
            permissions[op] = frozenset(subs)
    return permissions


def ensure_builtin_roles(session: Session) -> None:
    existing = set(session.scalars(select(Role.id).where(Role.system_role)))
    for role_id, (name, permissions) in BUILTIN_ROLES.items():
        if role_id not in existing:
            session.add(
                Role(id=role_id, name=name, system_role=True, operations=to_payload(permissions))
            )
    session.flush()


def find_role(session: Session, key: str) -> Role:
    """A role by id or by name."""
    role = session.get(Role, key) or session.scalar(select(Role).where(Role.name == key))
    if role is None:
        raise RoleNotFound(f"no role {key!r}")
    return role


def list_roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.system_role.desc(), Role.name)))


def create_role(session: Session, name: str, operations: Any) -> Role:
    name = name.strip()
    if not name or len(name) > 255:
        raise RoleError("a role needs a name of 1 to 255 characters")
    if session.scalar(select(Role).where(Role.name == name)) is not None:
        raise RoleExists(f"a role named {name!r} already exists")
    role = Role(
        id=str(uuid.uuid4()),
        name=name,
        system_role=False,
        operations=to_payload(from_payload(operations)),
    )
    session.add(role)
    session.flush()
    return role


def delete_role(session: Session, key: str) -> None:
    role = find_role(session, key)
    if role.system_role:
        raise RoleError(f"{role.name!r} is a built-in role and cannot be deleted")
    if session.scalar(select(Grant.role_id).where(Grant.role_id == role.id).limit(1)):
        raise RoleInUse(f"role {role.name!r} is used by grants; delete them first")
    session.delete(role)


def permissions_of(role: Role) -> dict[Operation, frozenset[SubOption]]:
    return from_payload(role.operations)
