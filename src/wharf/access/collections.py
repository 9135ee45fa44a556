"""The collection tree: ``/``, ``/System``, ``/Shared``, ``/Shared/Private/<user>``,
``/Shared/Legacy`` and whatever admins add. A grant on a collection reaches everything
below it, so paths are the vocabulary of access control."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wharf.access.interfaces import Conflict, InvalidInput, NotFound
from wharf.access.models import Collection

ROOT_ID = "swarm"
SYSTEM_ID = "system"
SHARED_ID = "shared"
PRIVATE_ID = "private"
LEGACY_ID = "legacy"

BUILTIN_COLLECTIONS = [
    (ROOT_ID, "/", "Swarm", None),
    (SYSTEM_ID, "/System", "System", ROOT_ID),
    (SHARED_ID, "/Shared", "Shared", ROOT_ID),
    (PRIVATE_ID, "/Shared/Private", "Private", SHARED_ID),
    (LEGACY_ID, "/Shared/Legacy", "Legacy", SHARED_ID),
]
BUILTIN_IDS = frozenset(c[0] for c in BUILTIN_COLLECTIONS)

# How many resources (services, containers, ...) carry a collection path. The control
# plane plugs in a counter that asks the swarm; without one, none are assumed. Routes
# count before their transaction (the counter is async) and hand the results in as a
# plain ``ResourceCounter``.
ResourceCounter = Callable[[str], int]
AsyncResourceCounter = Callable[[str], Awaitable[int]]


class CollectionError(InvalidInput):
    pass


class CollectionNotFound(NotFound):
    pass


class CollectionNotEmpty(Conflict):
    pass


class CollectionExists(Conflict):
    pass


def validate_collection_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise CollectionError("a collection name has 1 to 100 characters")
    if "/" in name or name in (".", "..") or not name.isprintable():
        raise CollectionError(f"invalid collection name {name!r}: no '/', not '.' or '..'")
    return name


def child_path(parent_path: str, name: str) -> str:
    return f"/{name}" if parent_path == "/" else f"{parent_path}/{name}"


def ancestor_paths(path: str) -> list[str]:
    """``/a/b`` → ``["/a/b", "/a", "/"]``."""
    paths = [path]
    while path != "/":
        path = path.rsplit("/", 1)[0] or "/"
        paths.append(path)
    return paths


def ensure_builtin_collections(session: Session) -> None:
    existing = set(session.scalars(select(Collection.id).where(Collection.id.in_(BUILTIN_IDS))))
    for cid, path, name, parent in BUILTIN_COLLECTIONS:
        if cid not in existing:
            session.add(Collection(id=cid, path=path, name=name, parent_id=parent))
            session.flush()


def find_collection(session: Session, key: str) -> Collection:
    """A collection by id or by path."""
    found = session.get(Collection, key)
    if found is None and key.startswith("/"):
        found = session.scalar(select(Collection).where(Collection.path == key))
    if found is None:
        raise CollectionNotFound(f"no collection {key!r}")
    return found


def create_collection(session: Session, name: str, parent_key: str) -> Collection:
    name = validate_collection_name(name)
    parent = find_collection(session, parent_key)
    path = child_path(parent.path, name)
    if session.scalar(select(Collection.id).where(Collection.path == path)) is not None:
        raise CollectionExists(f"collection {path!r} already exists")
    collection = Collection(id=str(uuid.uuid4()), path=path, name=name, parent_id=parent.id)
    session.add(collection)
    session.flush()
    return collection


def children(session: Session, key: str) -> list[Collection]:
    parent = find_collection(session, key)
    return list(
        session.scalars(
            select(Collection).where(Collection.parent_id == parent.id).order_by(Collection.path)
        )
    )


def list_collections(
    session: Session, start: int, limit: int
) -> tuple[list[Collection], int | None]:
    rows = list(
        session.scalars(select(Collection).order_by(Collection.path).offset(start).limit(limit + 1))
    )
    next_start = start + limit if len(rows) > limit else None
    return rows[:limit], next_start


def _subtree_in_use(session: Session, collection: Collection, count: ResourceCounter) -> str | None:
    prefix = collection.path.rstrip("/") + "/"
    paths = [
        collection.path,
        *session.scalars(
            select(Collection.path).where(Collection.path.startswith(prefix, autoescape=True))
        ),
    ]
    for path in paths:
        if count(path):
            return str(path)
    return None


def delete_collection(session: Session, key: str, count: ResourceCounter) -> None:
    collection = find_collection(session, key)
    if collection.id in BUILTIN_IDS:
        raise CollectionError(f"{collection.path} is a built-in collection and cannot be deleted")
    has_children = session.scalar(
        select(func.count()).select_from(Collection).where(Collection.parent_id == collection.id)
    )
    if has_children:
        raise CollectionNotEmpty(
            f"{collection.path} has {has_children} child collection(s); delete them first"
        )
    in_use = count(collection.path)
    if in_use:
        raise CollectionNotEmpty(
            f"{collection.path} holds {in_use} resource(s); move or remove them first"
        )
    session.delete(collection)


def rename_collection(
    session: Session, key: str, new_name: str, count: ResourceCounter
) -> Collection:
    """Rename a collection, which changes the path of it and its whole subtree; refused
    while resources carry one of those paths (their labels would point nowhere)."""
    collection = find_collection(session, key)
    if collection.id in BUILTIN_IDS:
        raise CollectionError(f"{collection.path} is a built-in collection and cannot be renamed")
    new_name = validate_collection_name(new_name)
    used = _subtree_in_use(session, collection, count)
    if used:
        raise CollectionNotEmpty(f"{used} holds resources; a rename would orphan their labels")
    parent_path = collection.path.rsplit("/", 1)[0] or "/"
    new_path = child_path(parent_path, new_name)
    if session.scalar(select(Collection.id).where(Collection.path == new_path)) is not None:
        raise CollectionExists(f"collection {new_path!r} already exists")
    old_prefix = collection.path + "/"
    for sub in session.scalars(
        select(Collection).where(Collection.path.startswith(old_prefix, autoescape=True))
    ):
        sub.path = new_path + "/" + sub.path[len(old_prefix) :]
    collection.name = new_name
    collection.path = new_path
    session.flush()
    return collection


def ensure_private_collection(session: Session, username: str) -> Collection:
    path = child_path("/Shared/Private", username)
    found = session.scalar(select(Collection).where(Collection.path == path))
    if found is not None:
        return found
    collection = Collection(id=str(uuid.uuid4()), path=path, name=username, parent_id=PRIVATE_ID)
    session.add(collection)
    session.flush()
    return collection
