"""``wharf repo``: registry repositories, their tags and team access (``/api/v0``)."""

from __future__ import annotations

from typing import Any

import click

from wharf.cli.client import ApiClient, api_command, json_option, limit_option, seg
from wharf.cli.output import details, emit_json, fmt_time, say, table

BASE = "/api/v0/repositories"
ACCESS_LEVELS = ("read-only", "read-write", "admin")


def split_repo(value: str) -> tuple[str, str]:
    namespace, _, name = value.partition("/")
    if not namespace or not name or "/" in name:
        raise click.BadParameter(
            f"{value!r}: give the repository as NAMESPACE/NAME, e.g. acme/web",
            param_hint="NAMESPACE/NAME",
        )
    return namespace, name


def repo_path(value: str) -> str:
    namespace, name = split_repo(value)
    return f"{BASE}/{seg(namespace)}/{seg(name)}"


repo_argument = click.argument("repository", metavar="NAMESPACE/NAME")


@click.group("repo")
def repo_group() -> None:
    """Manage registry repositories, their tags and which teams may use them."""


@repo_group.command("ls")
@click.argument("namespace", required=False)
@limit_option
@json_option
@api_command
def repo_ls(api: ApiClient, namespace: str | None, limit: int | None, as_json: bool) -> None:
    """List the repositories you may pull, all or in one namespace (user or organization).

    \b
    Examples:
      wharf repo ls
      wharf repo ls acme --json
    """
    path = BASE if namespace is None else f"{BASE}/{seg(namespace)}"
    repos = api.paged(path, "repositories", limit=limit)
    if as_json:
        emit_json(repos)
        return
    table(
        repos,
        [
            ("REPOSITORY", "fullName"),
            ("VISIBILITY", "visibility"),
            ("DESCRIPTION", "shortDescription"),
            ("UPDATED", lambda r: fmt_time(r.get("updatedAt"))),
        ],
    )


@repo_group.command("create")
@repo_argument
@click.option("--public", is_flag=True, help="Anyone may pull. [default: private]")
@click.option("--description", default="", help="Short description (140 characters).")
@click.option("--long-description", default="", help="Long description (Markdown).")
@json_option
@api_command
def repo_create(
    api: ApiClient,
    repository: str,
    public: bool,
    description: str,
    long_description: str,
    as_json: bool,
) -> None:
    """Create a repository in your namespace or an organization you own.

    \b
    Examples:
      wharf repo create acme/web --description "Front end"
      wharf repo create alice/tools --public
    """
    namespace, name = split_repo(repository)
    body = {
        "name": name,
        "visibility": "public" if public else "private",
        "shortDescription": description,
        "longDescription": long_description,
    }
    created = api.post(f"{BASE}/{seg(namespace)}", body)
    if as_json:
        emit_json(created)
    else:
        say(f"Created {created['visibility']} repository {created['fullName']}")


@repo_group.command("show")
@repo_argument
@json_option
@api_command
def repo_show(api: ApiClient, repository: str, as_json: bool) -> None:
    """Show a repository.

    \b
    Example:
      wharf repo show acme/web
    """
    repo: dict[str, Any] = api.get(repo_path(repository))
    if as_json:
        emit_json(repo)
        return
    details(
        [
            ("Repository", repo["fullName"]),
            ("ID", repo.get("id")),
            ("Visibility", repo.get("visibility")),
            ("Description", repo.get("shortDescription")),
            ("Long description", repo.get("longDescription")),
            ("Tags", repo.get("tagCount")),
            ("Created", fmt_time(repo.get("createdAt"))),
            ("Updated", fmt_time(repo.get("updatedAt"))),
        ]
    )


@repo_group.command("update")
@repo_argument
@click.option("--public/--private", default=None, help="Change who may pull.")
@click.option("--description", default=None, help="New short description.")
@click.option("--long-description", default=None, help="New long description.")
@json_option
@api_command
def repo_update(
    api: ApiClient,
    repository: str,
    public: bool | None,
    description: str | None,
    long_description: str | None,
    as_json: bool,
) -> None:
    """Change a repository's visibility or descriptions (repository admins).

    \b
    Example:
      wharf repo update acme/web --public --description "Front end, nginx"
    """
    changes: dict[str, Any] = {}
    if public is not None:
        changes["visibility"] = "public" if public else "private"
    if description is not None:
        changes["shortDescription"] = description
    if long_description is not None:
        changes["longDescription"] = long_description
    if not changes:
        raise click.UsageError("nothing to change: give --public/--private or a description")
    updated = api.patch(repo_path(repository), changes)
    if as_json:
        emit_json(updated)
    else:
        say(f"Updated repository {updated['fullName']}")


@repo_group.command("rm")
@repo_argument
@api_command
def repo_rm(api: ApiClient, repository: str) -> None:
    """Delete a repository with its tags and manifests (blobs go at garbage collection).

    \b
    Example:
      wharf repo rm acme/old-web
    """
    api.delete(repo_path(repository))
    say(f"Deleted repository {repository}")


@repo_group.command("tags")
@repo_argument
@json_option
@api_command
def repo_tags(api: ApiClient, repository: str, as_json: bool) -> None:
    """List a repository's tags.

    \b
    Example:
      wharf repo tags acme/web
    """
    tags = api.get(repo_path(repository) + "/tags")
    if as_json:
        emit_json(tags)
        return
    table(
        tags,
        [
            ("TAG", "name"),
            ("DIGEST", "digest"),
            ("MEDIA TYPE", "mediaType"),
            ("SIZE", "manifestSize"),
            ("UPDATED", lambda t: fmt_time(t.get("updatedAt"))),
        ],
    )


@repo_group.group("access")
def access_group() -> None:
    """Manage which teams of the owning organization may use a repository."""


@access_group.command("ls")
@repo_argument
@json_option
@api_command
def access_ls(api: ApiClient, repository: str, as_json: bool) -> None:
    """List the teams with access to a repository.

    \b
    Example:
      wharf repo access ls acme/web
    """
    rows = api.get(repo_path(repository) + "/teamAccess")["teamAccessList"]
    if as_json:
        emit_json(rows)
        return
    table(rows, [("TEAM", lambda r: r["team"]["name"]), ("ACCESS", "accessLevel")])


@access_group.command("set")
@repo_argument
@click.argument("team")
@click.argument("level", type=click.Choice(ACCESS_LEVELS))
@json_option
@api_command
def access_set(api: ApiClient, repository: str, team: str, level: str, as_json: bool) -> None:
    """Give a team of the repository's organization read-only, read-write or admin access.

    \b
    Example:
      wharf repo access set acme/web developers read-write
    """
    result = api.put(f"{repo_path(repository)}/teamAccess/{seg(team)}", {"accessLevel": level})
    if as_json:
        emit_json(result)
    else:
        say(f"Team {team} has {level} access to {repository}")


@access_group.command("rm")
@repo_argument
@click.argument("team")
@api_command
def access_rm(api: ApiClient, repository: str, team: str) -> None:
    """Take a team's access to a repository away.

    \b
    Example:
      wharf repo access rm acme/web developers
    """
    api.delete(f"{repo_path(repository)}/teamAccess/{seg(team)}")
    say(f"Team {team} no longer has access to {repository}")
