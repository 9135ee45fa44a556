"""``wharf role`` and ``wharf collection``: what grants are made of."""

from __future__ import annotations

import json
from typing import IO, Any

import click

from wharf.cli.client import ApiClient, api_command, json_option, limit_option, seg
from wharf.cli.output import details, emit_json, fmt_time, say, table

# -- lookups shared with ``wharf grant`` --------------------------------------------------------


def find_role(api: ApiClient, key: str) -> dict[str, Any]:
    """A role by id or name. Names are matched in the listing, so any name works (the
    ``/roles/{id}`` URL cannot carry a ``/``)."""
    roles: list[dict[str, Any]] = api.get("/roles")
    for role in roles:
        if key in (role["id"], role["name"]):
            return role
    raise click.ClickException(f"no role {key!r} (see wharf role ls)")


def find_collection(api: ApiClient, key: str) -> dict[str, Any]:
    """A collection by path (``/Shared/dev``) or id."""
    if key.startswith("/"):
        return dict(api.get("/collectionByPath", {"path": key}))
    return dict(api.get(f"/collections/{seg(key)}"))


def collection_paths(api: ApiClient) -> dict[str, str]:
    """Collection id → path, for the collections the caller may see."""
    return {c["id"]: c["path"] for c in api.paged("/collections", "collections")}


# -- roles --------------------------------------------------------------------------------------


@click.group("role")
def role_group() -> None:
    """Manage roles: named sets of operations that grants give on collections."""


@role_group.command("ls")
@json_option
@api_command
def role_ls(api: ApiClient, as_json: bool) -> None:
    """List roles, built-in first.

    \b
    Example:
      wharf role ls
    """
    roles = api.get("/roles")
    if as_json:
        emit_json(roles)
        return
    table(
        roles,
        [
            ("ID", "id"),
            ("NAME", "name"),
            ("BUILT-IN", "system_role"),
            ("OPERATIONS", lambda r: sum(len(ops) for ops in r["operations"].values())),
        ],
    )


@role_group.command("show")
@click.argument("role")
@json_option
@api_command
def role_show(api: ApiClient, role: str, as_json: bool) -> None:
    """Show a role (by id or name) and its operations.

    \b
    Examples:
      wharf role show "Restricted Control"
      wharf role show viewonly --json
    """
    found = find_role(api, role)
    if as_json:
        emit_json(found)
        return
    details([("Name", found["name"]), ("ID", found["id"]), ("Built-in", found["system_role"])])
    click.echo()
    rows = [
        {"resource": rtype, "operation": op, "subOptions": subs}
        for rtype, ops in found["operations"].items()
        for op, subs in ops.items()
    ]
    table(
        rows,
        [("RESOURCE", "resource"), ("OPERATION", "operation"), ("SUB-OPTIONS", "subOptions")],
    )


def operations_payload(file: IO[str] | None, operations: tuple[str, ...]) -> dict[str, Any]:
    """The ``resource type → operation → sub-options`` payload from a file and/or
    ``--operation "Container Create:Privileged,Host Bind Mounts"`` options."""
    payload: dict[str, Any] = {}
    if file is not None:
        try:
            data = json.load(file)
        except ValueError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--from-file") from None
        if isinstance(data, dict) and isinstance(data.get("operations"), dict):
            data = data["operations"]  # a whole role object, as ``role show --json`` prints
        if not isinstance(data, dict):
            raise click.BadParameter(
                "expected an object: resource type → operation → sub-options",
                param_hint="--from-file",
            )
        payload.update(data)
    for spec in operations:
        name, _, subs = spec.partition(":")
        name = name.strip()
        if not name:
            raise click.BadParameter(f"{spec!r}: no operation name", param_hint="--operation")
        sub_options = [s.strip() for s in subs.split(",") if s.strip()]
        resource = name.split(" ", 1)[0]
        section = payload.setdefault(resource, {})
        if not isinstance(section, dict):
            raise click.BadParameter(f"{resource!r} in the file is not an object")
        section[name] = sub_options
    return payload


@role_group.command("create")
@click.argument("name")
@click.option(
    "--from-file",
    "from_file",
    type=click.File("r"),
    help='JSON file ("-": stdin) of {"Container": {"Container View": [], ...}, ...}, '
    "or a role object with such an 'operations' field.",
)
@click.option(
    "--operation",
    "operations",
    multiple=True,
    metavar='"OPERATION[:SUB,SUB]"',
    help='An operation, e.g. "Container View" or "Container Create:Privileged"; repeatable.',
)
@json_option
@api_command
def role_create(
    api: ApiClient,
    name: str,
    from_file: IO[str] | None,
    operations: tuple[str, ...],
    as_json: bool,
) -> None:
    """Create a custom role (administrators only). Roles cannot be edited: delete and
    create again.

    \b
    Examples:
      wharf role create viewer --operation "Container View" --operation "Container Logs"
      wharf role create builder --operation "Container Create:Host Bind Mounts"
      wharf role create ops --from-file ops.json
      wharf role show "Full Control" --json | wharf role create my-full --from-file -
    """
    if from_file is None and not operations:
        raise click.UsageError("give --from-file or at least one --operation")
    body = {"name": name, "operations": operations_payload(from_file, operations)}
    created = api.post("/roles", body)
    if as_json:
        emit_json(created)
    else:
        say(f"Created role {created['name']} ({created['id']})")


@role_group.command("rm")
@click.argument("roles", nargs=-1, required=True, metavar="ROLE...")
@api_command
def role_rm(api: ApiClient, roles: tuple[str, ...]) -> None:
    """Delete custom roles (by id or name) that no grant uses.

    \b
    Example:
      wharf role rm viewer
    """
    for key in roles:
        role = find_role(api, key)
        api.delete(f"/roles/{seg(role['id'])}")
        say(f"Deleted role {role['name']}")


# -- collections --------------------------------------------------------------------------------


@click.group("collection")
def collection_group() -> None:
    """Manage collections: the tree (/Shared/dev, ...) that resources live in and
    grants apply to. Give a collection by path or id."""


COLLECTION_COLUMNS = [("PATH", "path"), ("NAME", "name"), ("ID", "id")]


@collection_group.command("ls")
@limit_option
@json_option
@api_command
def collection_ls(api: ApiClient, limit: int | None, as_json: bool) -> None:
    """List the collections you may see, by path.

    \b
    Example:
      wharf collection ls
    """
    collections = api.paged("/collections", "collections", limit=limit)
    if as_json:
        emit_json(collections)
        return
    table(collections, COLLECTION_COLUMNS)


@collection_group.command("show")
@click.argument("collection")
@json_option
@api_command
def collection_show(api: ApiClient, collection: str, as_json: bool) -> None:
    """Show a collection.

    \b
    Example:
      wharf collection show /Shared/dev
    """
    found = find_collection(api, collection)
    if as_json:
        emit_json(found)
        return
    details(
        [
            ("Path", found["path"]),
            ("Name", found["name"]),
            ("ID", found["id"]),
            ("Parent", found.get("parent_ids")),
            ("Created", fmt_time(found.get("created_at"))),
        ]
    )


@collection_group.command("create")
@click.argument("name")
@click.option(
    "--parent",
    default=None,
    metavar="PATH",
    help="Parent collection (path or id). [default: /Shared, or the parent of a NAME "
    "given as a full path]",
)
@json_option
@api_command
def collection_create(api: ApiClient, name: str, parent: str | None, as_json: bool) -> None:
    """Create a collection (administrators only).

    \b
    Examples:
      wharf collection create dev --parent /Shared
      wharf collection create /Shared/dev/frontend
    """
    if name.startswith("/"):
        if parent is not None:
            raise click.UsageError("give NAME as a full path or --parent, not both")
        head, _, name = name.rstrip("/").rpartition("/")
        parent = head or "/"
    parent = parent or "/Shared"
    key = "parent_path" if parent.startswith("/") else "parent_id"
    created = api.post("/collections", {"name": name, key: parent})
    if as_json:
        emit_json(created)
    else:
        say(f"Created collection {created['path']} ({created['id']})")


@collection_group.command("children")
@click.argument("collection")
@json_option
@api_command
def collection_children(api: ApiClient, collection: str, as_json: bool) -> None:
    """List a collection's direct children.

    \b
    Example:
      wharf collection children /Shared
    """
    found = find_collection(api, collection)
    children = api.get(f"/collections/{seg(found['id'])}/children")
    if as_json:
        emit_json(children)
        return
    table(children, COLLECTION_COLUMNS)


@collection_group.command("rm")
@click.argument("collections", nargs=-1, required=True, metavar="COLLECTION...")
@api_command
def collection_rm(api: ApiClient, collections: tuple[str, ...]) -> None:
    """Delete collections that have no child collections and hold no resources.

    \b
    Example:
      wharf collection rm /Shared/dev
    """
    for key in collections:
        found = find_collection(api, key)
        api.delete(f"/collections/{seg(found['id'])}")
        say(f"Deleted collection {found['path']}")
