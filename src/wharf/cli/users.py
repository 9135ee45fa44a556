"""``wharf user``: user accounts and their personal access tokens."""

from __future__ import annotations

from typing import Any

import click

from wharf.cli.client import (
    ApiClient,
    api_command,
    current_username,
    json_option,
    limit_option,
    read_password_stdin,
    seg,
)
from wharf.cli.output import details, emit_json, fmt_time, say, table

USER_FILTERS = (
    "users",
    "admins",
    "non-admins",
    "active-users",
    "inactive-users",
    "service-accounts",
)


def list_accounts(
    api: ApiClient, filter: str, contains: str | None, limit: int | None
) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"filter": filter}
    if contains:
        params["contains"] = contains
    return api.paged("/accounts/", "accounts", params, limit)


def get_account(api: ApiClient, name: str, *, org: bool) -> dict[str, Any]:
    account: dict[str, Any] = api.get(f"/accounts/{seg(name)}")
    if bool(account.get("isOrg")) != org:
        kind, other = ("a user", "user") if org else ("an organization", "org")
        raise click.ClickException(
            f"{name!r} is {kind}, not {'an organization' if org else 'a user'} "
            f"(see wharf {other} show)"
        )
    return account


def new_password(password_stdin: bool) -> str:
    if password_stdin:
        return read_password_stdin()
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))


@click.group("user")
def user_group() -> None:
    """Manage user accounts and personal access tokens (administrators manage everyone;
    users manage their own)."""


@user_group.command("ls")
@click.option(
    "--filter",
    "filter_",
    type=click.Choice(USER_FILTERS),
    default="users",
    show_default=True,
    help="Which users to list.",
)
@click.option("--contains", metavar="TEXT", help="Only names or full names containing TEXT.")
@limit_option
@json_option
@api_command
def user_ls(
    api: ApiClient, filter_: str, contains: str | None, limit: int | None, as_json: bool
) -> None:
    """List users.

    \b
    Examples:
      wharf user ls
      wharf user ls --filter admins --json
    """
    users = list_accounts(api, filter_, contains, limit)
    if as_json:
        emit_json(users)
        return
    table(
        users,
        [
            ("NAME", "name"),
            ("FULL NAME", "fullName"),
            ("ADMIN", "isAdmin"),
            ("ACTIVE", "isActive"),
            ("CREATED", lambda u: fmt_time(u.get("createdAt"))),
        ],
    )


@user_group.command("create")
@click.argument("name")
@click.option("--full-name", default="", help="The person's name.")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin instead of prompting."
)
@json_option
@api_command
def user_create(
    api: ApiClient, name: str, full_name: str, admin: bool, password_stdin: bool, as_json: bool
) -> None:
    """Create a user (administrators only).

    \b
    Examples:
      wharf user create alice --full-name "Alice Liddell"
      echo "$PW" | wharf user create ci-bot --password-stdin
    """
    password = new_password(password_stdin)
    body = {"name": name, "password": password, "isAdmin": admin, "fullName": full_name}
    created = api.post("/accounts/", body)
    if as_json:
        emit_json(created)
    else:
        say(f"Created user {created['name']}" + (" (administrator)" if admin else ""))


def show_account(account: dict[str, Any]) -> None:
    details(
        [
            ("Name", account["name"]),
            ("ID", account.get("id")),
            ("Full name", account.get("fullName")),
            *(
                []
                if account.get("isOrg")
                else [
                    ("Administrator", account.get("isAdmin")),
                    ("Active", account.get("isActive")),
                    ("Service account", account.get("isServiceAccount")),
                ]
            ),
            ("Imported (LDAP)", account.get("isImported")),
            ("Created", fmt_time(account.get("createdAt"))),
        ]
    )


@user_group.command("show")
@click.argument("name")
@json_option
@api_command
def user_show(api: ApiClient, name: str, as_json: bool) -> None:
    """Show a user.

    \b
    Example:
      wharf user show alice
    """
    account = get_account(api, name, org=False)
    if as_json:
        emit_json(account)
    else:
        show_account(account)


@user_group.command("update")
@click.argument("name")
@click.option("--full-name", default=None, help="New full name.")
@click.option("--admin/--no-admin", default=None, help="Grant or revoke administrator rights.")
@click.option(
    "--active/--inactive",
    default=None,
    help="Reactivate or deactivate (ends the user's sessions).",
)
@click.option("--password-stdin", is_flag=True, help="Set a new password read from stdin.")
@click.option("--password", "prompt_password", is_flag=True, help="Prompt for a new password.")
@json_option
@api_command
def user_update(
    api: ApiClient,
    name: str,
    full_name: str | None,
    admin: bool | None,
    active: bool | None,
    password_stdin: bool,
    prompt_password: bool,
    as_json: bool,
) -> None:
    """Change a user's full name, password, administrator flag or activity.

    \b
    Examples:
      wharf user update alice --admin
      wharf user update bob --inactive
      echo "$NEW_PW" | wharf user update alice --password-stdin
    """
    changes: dict[str, Any] = {}
    if full_name is not None:
        changes["fullName"] = full_name
    if admin is not None:
        changes["isAdmin"] = admin
    if active is not None:
        changes["isActive"] = active
    if password_stdin or prompt_password:
        changes["password"] = new_password(password_stdin)
    if not changes:
        raise click.UsageError("nothing to change: give --full-name, --admin, --active, ...")
    updated = api.patch(f"/accounts/{seg(name)}", changes)
    if as_json:
        emit_json(updated)
    else:
        say(f"Updated user {updated['name']}")


@user_group.command("rm")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@api_command
def user_rm(api: ApiClient, names: tuple[str, ...]) -> None:
    """Delete users (administrators only).

    \b
    Example:
      wharf user rm alice bob
    """
    for name in names:
        get_account(api, name, org=False)
        api.delete(f"/accounts/{seg(name)}")
        say(f"Deleted user {name}")


# -- personal access tokens -------------------------------------------------------------------


@user_group.group("token")
def token_group() -> None:
    """Manage personal access tokens (for docker login and scripts: $WHARF_TOKEN)."""


user_option = click.option(
    "-u", "--user", default=None, help="Whose tokens. [default: the logged-in user]"
)


@token_group.command("create")
@user_option
@click.option("--label", default="", help="What the token is for.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1),
    default=None,
    help="Expire the token after this many days. [default: never]",
)
@json_option
@api_command
def token_create(
    api: ApiClient, user: str | None, label: str, expires_in_days: int | None, as_json: bool
) -> None:
    """Create an access token. The token is shown once: store it now.

    \b
    Examples:
      wharf user token create --label ci
      wharf user token create -u ci-bot --label jenkins --expires-in-days 90 --json
    """
    owner = user or current_username(api)
    body: dict[str, Any] = {"label": label}
    if expires_in_days is not None:
        body["expiresInDays"] = expires_in_days
    created = api.post(f"/accounts/{seg(owner)}/tokens", body)
    if as_json:
        emit_json(created)
        return
    click.echo(f"Created token {created['id']} for {owner} (shown once, store it now):", err=True)
    click.echo(created["token"])


@token_group.command("ls")
@user_option
@json_option
@api_command
def token_ls(api: ApiClient, user: str | None, as_json: bool) -> None:
    """List access tokens (never their secrets).

    \b
    Example:
      wharf user token ls -u ci-bot
    """
    owner = user or current_username(api)
    tokens = api.get(f"/accounts/{seg(owner)}/tokens")["tokens"]
    if as_json:
        emit_json(tokens)
        return
    table(
        tokens,
        [
            ("ID", "id"),
            ("LABEL", "label"),
            ("CREATED", lambda t: fmt_time(t.get("createdAt"))),
            ("LAST USED", lambda t: fmt_time(t.get("lastUsedAt"))),
            ("EXPIRES", lambda t: fmt_time(t.get("expiresAt"))),
        ],
    )


@token_group.command("rm")
@user_option
@click.argument("token_ids", nargs=-1, required=True, metavar="TOKEN_ID...")
@api_command
def token_rm(api: ApiClient, user: str | None, token_ids: tuple[str, ...]) -> None:
    """Revoke access tokens.

    \b
    Example:
      wharf user token rm 4f9c2a1e-...
    """
    owner = user or current_username(api)
    for token_id in token_ids:
        api.delete(f"/accounts/{seg(owner)}/tokens/{seg(token_id)}")
        say(f"Revoked token {token_id}")
