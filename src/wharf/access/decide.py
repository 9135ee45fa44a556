"""The authorization decision of the control plane, as one pure function.

``decide`` answers "may this requester take this operation, with these sub-options, on a
resource in this collection?" and says why: the grants that justify a yes, or what is
missing for a no. Admins bypass grants; inactive accounts are refused; otherwise the
operations of every grant to the user, their teams or their organizations on the
collection or one of its ancestors are united (there are no deny rules), and the
operation must be among them with every requested sub-option.

Everything it needs is in an :class:`AccessSnapshot`, an immutable in-memory view of
roles, collections, grants and memberships, so a decision costs microseconds and can be
tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wharf.access.operations import Operation, SubOption

ROOT_PATH = "/"


@dataclass(frozen=True)
class GrantRef:
    subject_id: str
    subject_type: str
    collection_id: str
    role_id: str


@dataclass(frozen=True)
class RoleDef:
    id: str
    name: str
    permissions: Mapping[Operation, frozenset[SubOption]]


@dataclass(frozen=True)
class CollectionNode:
    id: str
    path: str
    parent_id: str | None


@dataclass(frozen=True)
class AccessSnapshot:
    roles: Mapping[str, RoleDef]
    collections: Mapping[str, CollectionNode]
    by_path: Mapping[str, str]
    grants_by_collection: Mapping[str, tuple[GrantRef, ...]]
    # user id → the subject ids acting for them: themselves, their teams, their orgs
    subjects_of: Mapping[str, frozenset[str]] = field(default_factory=dict)
    version: int = 0
    # Answers computed from this (immutable) snapshot, kept while it is current: see
    # collections_allowing.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def collection_id(self, path: str) -> str | None:
        return self.by_path.get(path)

    def ancestors(self, collection_id: str) -> list[CollectionNode]:
        """The collection and every ancestor up to the root, nearest first."""
        chain = []
        node = self.collections.get(collection_id)
        while node is not None:
            chain.append(node)
            node = self.collections.get(node.parent_id) if node.parent_id else None
        return chain


@dataclass(frozen=True)
class Requester:
    id: str
    name: str
    is_admin: bool
    is_active: bool
    subjects: frozenset[str]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    operation: Operation
    sub_options: frozenset[SubOption]
    collection: str
    reason: str
    # Grants that give the operation on the collection (for a no: those that gave the
    # operation but not every sub-option).
    grants: tuple[GrantRef, ...] = ()
    missing: tuple[SubOption, ...] = ()

    @property
    def message(self) -> str:
        """What a refused request reports, e.g.
        ``access denied: Container Create [Host Bind Mounts] on /Shared/Private/alice``."""
        wanted = self.operation.value
        if self.missing:
            wanted += " [" + ", ".join(s.value for s in self.missing) + "]"
        return f"access denied: {wanted} on {self.collection}"


def decide(
    requester: Requester,
    operation: Operation,
    sub_options: frozenset[SubOption],
    collection_id: str,
    snapshot: AccessSnapshot,
) -> Decision:
    node = snapshot.collections.get(collection_id)
    path = node.path if node else collection_id

    def answer(
        allowed: bool,
        reason: str,
        grants: tuple[GrantRef, ...] = (),
        missing: tuple[SubOption, ...] = (),
    ) -> Decision:
        return Decision(allowed, operation, sub_options, path, reason, grants, missing)

    if not requester.is_active:
        return answer(False, f"{requester.name} is inactive")
    if requester.is_admin:
        return answer(True, f"{requester.name} is an administrator")
    if node is None:
        return answer(False, f"no collection {collection_id!r}")
    holding: list[GrantRef] = []
    enabled: set[SubOption] = set()
    for ancestor in snapshot.ancestors(collection_id):
        for grant in snapshot.grants_by_collection.get(ancestor.id, ()):
            if grant.subject_id not in requester.subjects:
                continue
            role = snapshot.roles.get(grant.role_id)
            if role is None:
                continue
            granted = role.permissions.get(operation)
            if granted is None:
                continue
            holding.append(grant)
            enabled |= granted
    if not holding:
        return answer(False, f"no grant of {requester.name} gives {operation.value} on {path}")
    missing = tuple(sorted(sub_options - enabled))
    if missing:
        return answer(
            False,
            f"the grants giving {operation.value} on {path} do not enable "
            + ", ".join(s.value for s in missing),
            tuple(holding),
            missing,
        )
    return answer(True, f"granted by {len(holding)} grant(s)", tuple(holding))


def requester_for(
    account_id: str, name: str, is_admin: bool, is_active: bool, snapshot: AccessSnapshot
) -> Requester:
    subjects = snapshot.subjects_of.get(account_id, frozenset()) | {account_id}
    return Requester(account_id, name, is_admin, is_active, frozenset(subjects))


def collections_allowing(
    requester: Requester, operation: Operation, snapshot: AccessSnapshot
) -> frozenset[str]:
    """The ids of the collections where ``requester`` may do ``operation`` (without
    sub-options): those at or below a collection where one of their grants gives it —
    the same answer :func:`decide` gives collection by collection. Remembered on the
    snapshot, as a list asks it on every request."""
    key = ("allowing", requester.subjects, requester.is_admin, requester.is_active, operation)
    found: frozenset[str] | None = snapshot.memo.get(key)
    if found is not None:
        return found
    if requester.is_admin and requester.is_active:
        found = frozenset(snapshot.collections)
    elif not requester.is_active:
        found = frozenset()
    else:
        roots = _granted_at(requester, snapshot, lambda role: operation in role.permissions)
        found = frozenset(_with_descendants(roots, snapshot))
    snapshot.memo[key] = found
    return found


def _granted_at(
    requester: Requester, snapshot: AccessSnapshot, gives: Callable[[RoleDef], bool]
) -> set[str]:
    """The collections where one of the requester's grants has a role that ``gives``."""
    return {
        grant.collection_id
        for grants in snapshot.grants_by_collection.values()
        for grant in grants
        if grant.subject_id in requester.subjects
        and (role := snapshot.roles.get(grant.role_id)) is not None
        and gives(role)
    }


def _with_descendants(roots: set[str], snapshot: AccessSnapshot) -> set[str]:
    children: dict[str, list[str]] = {}
    for node in snapshot.collections.values():
        if node.parent_id:
            children.setdefault(node.parent_id, []).append(node.id)
    found: set[str] = set()
    pending = [cid for cid in roots if cid in snapshot.collections]
    while pending:
        cid = pending.pop()
        if cid in found:
            continue
        found.add(cid)
        pending.extend(children.get(cid, ()))
    return found


def visible_collections(requester: Requester, snapshot: AccessSnapshot) -> set[str]:
    """Collections the requester may see: those at or below a collection where one of
    their grants gives at least one operation (all of them for admins)."""
    if requester.is_admin:
        return set(snapshot.collections)
    if not requester.is_active:
        return set()
    roots = _granted_at(requester, snapshot, lambda role: bool(role.permissions))
    return _with_descendants(roots, snapshot)
