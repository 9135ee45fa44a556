"""``wharf org`` and ``wharf team``: organizations, their members and teams."""

from __future__ import annotations

from typing import Any

import click

from wharf.cli.client import ApiClient, api_command, json_option, limit_option, seg
from wharf.cli.output import details, emit_json, fmt_time, say, table
from wharf.cli.users import get_account, list_accounts, show_account


@click.group("org")
def org_group() -> None:
    """Manage organizations and their members."""


@org_group.command("ls")
@click.option("--contains", metavar="TEXT", help="Only names or full names containing TEXT.")
@limit_option
@json_option
@api_command
def org_ls(api: ApiClient, contains: str | None, limit: int | None, as_json: bool) -> None:
    """List organizations.

    \b
    Example:
      wharf org ls --json
    """
    orgs = list_accounts(api, "orgs", contains, limit)
    if as_json:
        emit_json(orgs)
        return
    table(
        orgs,
        [
            ("NAME", "name"),
            ("FULL NAME", "fullName"),
            ("CREATED", lambda o: fmt_time(o.get("createdAt"))),
        ],
    )


@org_group.command("create")
@click.argument("name")
@click.option("--full-name", default="", help="Display name.")
@json_option
@api_command
def org_create(api: ApiClient, name: str, full_name: str, as_json: bool) -> None:
    """Create an organization (administrators only); you become its owner.

    \b
    Example:
      wharf org create acme --full-name "Acme Corp."
    """
    created = api.post("/accounts/", {"name": name, "isOrg": True, "fullName": full_name})
    if as_json:
        emit_json(created)
    else:
        say(f"Created organization {created['name']}")


@org_group.command("show")
@click.argument("name")
@json_option
@api_command
def org_show(api: ApiClient, name: str, as_json: bool) -> None:
    """Show an organization.

    \b
    Example:
      wharf org show acme
    """
    org = get_account(api, name, org=True)
    if as_json:
        emit_json(org)
    else:
        show_account(org)


@org_group.command("rm")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@api_command
def org_rm(api: ApiClient, names: tuple[str, ...]) -> None:
    """Delete organizations, with their teams and memberships.

    \b
    Example:
      wharf org rm acme
    """
    for name in names:
        get_account(api, name, org=True)
        api.delete(f"/accounts/{seg(name)}")
        say(f"Deleted organization {name}")


@org_group.group("member")
def org_member_group() -> None:
    """Manage the members of an organization."""


@org_member_group.command("ls")
@click.argument("org")
@json_option
@api_command
def org_member_ls(api: ApiClient, org: str, as_json: bool) -> None:
    """List the members of an organization.

    \b
    Example:
      wharf org member ls acme
    """
    members = api.get(f"/accounts/{seg(org)}/members")["members"]
    if as_json:
        emit_json(members)
        return
    table(
        members,
        [
            ("NAME", lambda m: m["member"]["name"]),
            ("FULL NAME", lambda m: m["member"].get("fullName")),
            ("OWNER", "isAdmin"),
        ],
    )


@org_member_group.command("add")
@click.argument("org")
@click.argument("user")
@click.option("--owner", is_flag=True, help="Make the member an owner (org administrator).")
@api_command
def org_member_add(api: ApiClient, org: str, user: str, owner: bool) -> None:
    """Add a user to an organization, or change whether they own it.

    \b
    Examples:
      wharf org member add acme alice
      wharf org member add acme bob --owner
    """
    api.put(f"/accounts/{seg(org)}/members/{seg(user)}", {"isAdmin": owner})
    say(f"Added {user} to {org}" + (" as an owner" if owner else ""))


@org_member_group.command("rm")
@click.argument("org")
@click.argument("user")
@api_command
def org_member_rm(api: ApiClient, org: str, user: str) -> None:
    """Remove a user from an organization (and its teams).

    \b
    Example:
      wharf org member rm acme alice
    """
    api.delete(f"/accounts/{seg(org)}/members/{seg(user)}")
    say(f"Removed {user} from {org}")


# -- teams --------------------------------------------------------------------------------------


@click.group("team")
def team_group() -> None:
    """Manage the teams of an organization and their members."""


def team_path(org: str, team: str) -> str:
    return f"/accounts/{seg(org)}/teams/{seg(team)}"


@team_group.command("ls")
@click.argument("org")
@json_option
@api_command
def team_ls(api: ApiClient, org: str, as_json: bool) -> None:
    """List the teams of an organization.

    \b
    Example:
      wharf team ls acme
    """
    teams = api.get(f"/accounts/{seg(org)}/teams")["teams"]
    if as_json:
        emit_json(teams)
        return
    table(
        teams,
        [("NAME", "name"), ("DESCRIPTION", "description"), ("SYNCED", "memberSync")],
    )


@team_group.command("create")
@click.argument("org")
@click.argument("team")
@click.option("--description", default="", help="What the team is for.")
@json_option
@api_command
def team_create(api: ApiClient, org: str, team: str, description: str, as_json: bool) -> None:
    """Create a team in an organization (organization owners).

    \b
    Example:
      wharf team create acme developers --description "Push to acme/*"
    """
    body = {"name": team, "description": description}
    created = api.post(f"/accounts/{seg(org)}/teams", body)
    if as_json:
        emit_json(created)
    else:
        say(f"Created team {org}/{created['name']}")


@team_group.command("show")
@click.argument("org")
@click.argument("team")
@json_option
@api_command
def team_show(api: ApiClient, org: str, team: str, as_json: bool) -> None:
    """Show a team.

    \b
    Example:
      wharf team show acme developers
    """
    found: dict[str, Any] = api.get(team_path(org, team))
    if as_json:
        emit_json(found)
        return
    details(
        [
            ("Name", found["name"]),
            ("Organization", found.get("orgName")),
            ("ID", found.get("id")),
            ("Description", found.get("description")),
            ("Members synced", found.get("memberSync")),
        ]
    )


@team_group.command("rm")
@click.argument("org")
@click.argument("team")
@api_command
def team_rm(api: ApiClient, org: str, team: str) -> None:
    """Delete a team.

    \b
    Example:
      wharf team rm acme developers
    """
    api.delete(team_path(org, team))
    say(f"Deleted team {org}/{team}")


@team_group.group("member")
def team_member_group() -> None:
    """Manage the members of a team."""


@team_member_group.command("ls")
@click.argument("org")
@click.argument("team")
@json_option
@api_command
def team_member_ls(api: ApiClient, org: str, team: str, as_json: bool) -> None:
    """List the members of a team.

    \b
    Example:
      wharf team member ls acme developers
    """
    members = api.get(team_path(org, team) + "/members")["members"]
    if as_json:
        emit_json(members)
        return
    table(
        members,
        [("NAME", lambda m: m["member"]["name"]), ("FULL NAME", lambda m: m["member"]["fullName"])],
    )


@team_member_group.command("add")
@click.argument("org")
@click.argument("team")
@click.argument("user")
@api_command
def team_member_add(api: ApiClient, org: str, team: str, user: str) -> None:
    """Add a user to a team (they join the organization too).

    \b
    Example:
      wharf team member add acme developers alice
    """
    api.put(f"{team_path(org, team)}/members/{seg(user)}")
    say(f"Added {user} to team {org}/{team}")


@team_member_group.command("rm")
@click.argument("org")
@click.argument("team")
@click.argument("user")
@api_command
def team_member_rm(api: ApiClient, org: str, team: str, user: str) -> None:
    """Remove a user from a team.

    \b
    Example:
      wharf team member rm acme developers alice
    """
    api.delete(f"{team_path(org, team)}/members/{seg(user)}")
    say(f"Removed {user} from team {org}/{team}")
