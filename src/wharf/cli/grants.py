"""``wharf grant``: who may do what where — grants of a role on a collection to a user,
organization or team — and why a request would be allowed or denied."""

from __future__ import annotations

from typing import Any

import click

from wharf.cli.client import ApiClient, api_command, json_option, limit_option, seg
from wharf.cli.output import details, emit_json, say, table
from wharf.cli.roles import collection_paths, find_collection, find_role

SUBJECT_HELP = "SUBJECT is a user, an organization, or a team as ORG/TEAM (or an id)."


def subject_id(api: ApiClient, key: str) -> str:
    """A subject as a URL segment: teams (``org/team``) by id, accounts by name."""
    if "/" in key:
        org, _, team = key.partition("/")
        return str(api.get(f"/accounts/{seg(org)}/teams/{seg(team)}")["id"])
    return key


def grant_url(api: ApiClient, subject: str, collection: str, role: str) -> tuple[str, str, str]:
    """The grant's URL, the collection's path and the role's name."""
    found = find_collection(api, collection)
    found_role = find_role(api, role)
    sid = subject_id(api, subject)
    url = f"/collectionGrants/{seg(sid)}/{seg(found['id'])}/{seg(found_role['id'])}"
    return url, found["path"], found_role["name"]


@click.group("grant")
def grant_group() -> None:
    """Manage grants: a role on a collection (and everything under it) for a user,
    organization or team."""


@grant_group.command("ls")
@click.option("--subject", help="Only grants to this user, organization or ORG/TEAM.")
@click.option("--collection", help="Only grants on this collection (path or id).")
@click.option("--role", help="Only grants of this role (id or name).")
@click.option(
    "--expand",
    is_flag=True,
    help="With a user --subject: also the grants to their teams and organizations.",
)
@limit_option
@json_option
@api_command
def grant_ls(
    api: ApiClient,
    subject: str | None,
    collection: str | None,
    role: str | None,
    expand: bool,
    limit: int | None,
    as_json: bool,
) -> None:
    """List grants (administrators see all; users see the ones that apply to them).

    \b
    Examples:
      wharf grant ls
      wharf grant ls --subject alice --expand
      wharf grant ls --collection /Shared/dev --json
    """
    params: dict[str, str | int] = {}
    if subject:
        params["subjectID"] = subject
    if collection:
        params["objectID"] = collection
    if role:
        params["roleID"] = role
    if expand:
        params["expandUser"] = "true"
    grants, subjects = _all_grants(api, params, limit)
    if as_json:
        emit_json({"grants": grants, "subjects": subjects})
        return
    names = {s["id"]: s for s in subjects}
    roles = {r["id"]: r["name"] for r in api.get("/roles")}
    paths = collection_paths(api)
    table(
        grants,
        [
            ("SUBJECT", lambda g: names.get(g["subjectID"], {}).get("name", g["subjectID"])),
            ("TYPE", lambda g: names.get(g["subjectID"], {}).get("subject_type")),
            ("COLLECTION", lambda g: paths.get(g["objectID"], g["objectID"])),
            ("ROLE", lambda g: roles.get(g["roleID"], g["roleID"])),
        ],
    )


def _all_grants(
    api: ApiClient, params: dict[str, str | int], limit: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    grants: list[dict[str, Any]] = []
    subjects: dict[str, dict[str, Any]] = {}
    start: str | int = 0
    while True:
        want = 1000 if limit is None else min(1000, limit - len(grants))
        page = api.get("/collectionGrants", {**params, "start": start, "limit": want})
        grants.extend(page["grants"])
        subjects.update({s["id"]: s for s in page.get("subjects") or []})
        start = page.get("nextPageStart") or ""
        if not start or (limit is not None and len(grants) >= limit):
            return grants, list(subjects.values())


@grant_group.command("add", epilog=SUBJECT_HELP)
@click.argument("subject")
@click.argument("collection")
@click.argument("role")
@json_option
@api_command
def grant_add(api: ApiClient, subject: str, collection: str, role: str, as_json: bool) -> None:
    """Grant ROLE on COLLECTION to SUBJECT (administrators only; idempotent).

    \b
    Examples:
      wharf grant add alice /Shared/dev "Restricted Control"
      wharf grant add acme/developers /Shared/dev fullcontrol
    """
    url, path, role_name = grant_url(api, subject, collection, role)
    created = api.put(url)
    if as_json:
        emit_json(created)
    else:
        say(f"Granted {role_name} on {path} to {subject}")


@grant_group.command("rm", epilog=SUBJECT_HELP)
@click.argument("subject")
@click.argument("collection")
@click.argument("role")
@api_command
def grant_rm(api: ApiClient, subject: str, collection: str, role: str) -> None:
    """Revoke the grant of ROLE on COLLECTION to SUBJECT (administrators only).

    \b
    Example:
      wharf grant rm alice /Shared/dev "Restricted Control"
    """
    url, path, role_name = grant_url(api, subject, collection, role)
    api.delete(url)
    say(f"Revoked {role_name} on {path} from {subject}")


@grant_group.command("explain")
@click.argument("user")
@click.argument("operation")
@click.argument("collection")
@click.option(
    "--sub-option",
    "sub_options",
    multiple=True,
    metavar="SUB-OPTION",
    help='A sub-option the request uses, e.g. "Privileged"; repeatable.',
)
@json_option
@api_command
def grant_explain(
    api: ApiClient,
    user: str,
    operation: str,
    collection: str,
    sub_options: tuple[str, ...],
    as_json: bool,
) -> None:
    """Explain whether USER may do OPERATION on COLLECTION, and which grants decide it.
    Users may ask about themselves; administrators about anyone.

    \b
    Examples:
      wharf grant explain alice "Container View" /Shared/dev
      wharf grant explain alice "Container Create" /Shared/dev --sub-option Privileged
    """
    params: dict[str, str | int] = {
        "user": user,
        "operation": operation,
        "collection": collection,
    }
    if sub_options:
        params["subOptions"] = ",".join(sub_options)
    answer = api.get("/api/access/explain", params)
    if as_json:
        emit_json(answer)
        return
    verdict = "ALLOWED" if answer["allowed"] else "DENIED"
    fields: list[tuple[str, Any]] = [
        ("Decision", verdict),
        ("User", answer.get("user")),
        ("Operation", answer.get("operation")),
        ("Sub-options", answer.get("subOptions")),
        ("Collection", answer.get("collection")),
        ("Reason", answer.get("reason")),
    ]
    if answer.get("message"):
        fields.append(("Message", answer["message"]))
    if answer.get("missing"):
        fields.append(("Missing sub-options", answer["missing"]))
    details(fields)
    grants = answer.get("grants") or []
    click.echo()
    if not grants:
        click.echo("No grant applies." if not answer["allowed"] else "No grant needed.")
        return
    click.echo("Grants that apply:")
    table(
        grants,
        [
            ("SUBJECT", "subjectName"),
            ("TYPE", "subjectType"),
            ("ROLE", "roleName"),
            ("COLLECTION", "collectionPath"),
        ],
    )
