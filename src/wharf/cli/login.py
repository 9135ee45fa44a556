"""``wharf login``, ``wharf logout`` and ``wharf whoami``."""

from __future__ import annotations

import os

import click

from wharf.cli.client import (
    DEFAULT_URL,
    ApiClient,
    ApiError,
    Credentials,
    api_command,
    credentials_path,
    json_option,
    load_credentials,
    normalize_url,
    read_password_stdin,
    remove_credentials,
    save_credentials,
)
from wharf.cli.output import details, emit_json, say, warn


@click.command()
@click.argument("url", required=False)
@click.option("-u", "--username", help="Account to log in as. [default: prompt]")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin instead of prompting."
)
def login(url: str | None, username: str | None, password_stdin: bool) -> None:
    """Log in to a Wharf server and remember the session for the other commands.

    URL defaults to $WHARF_SERVER, then the server of the last login, then
    http://127.0.0.1:5000. The session token is stored in
    ~/.config/wharf/credentials.json (or $XDG_CONFIG_HOME/wharf/, or the file named by
    $WHARF_CONFIG), readable only by you.

    \b
    Examples:
      wharf login https://wharf.example.com -u alice
      echo "$PASSWORD" | wharf login localhost:5000 -u admin --password-stdin
    """
    stored = load_credentials()
    if url is None:
        url = os.environ.get("WHARF_SERVER") or (stored.url if stored else DEFAULT_URL)
    url = normalize_url(url)
    if not username:
        default = stored.username if stored and stored.url == url else None
        username = str(click.prompt("Username", default=default, err=True))
    if password_stdin:
        password = read_password_stdin()
    else:
        password = str(click.prompt("Password", hide_input=True, err=True))

    api = ApiClient(url)
    try:
        answer = api.post("/auth/login", {"username": username, "password": password})
    except ApiError as exc:
        if exc.status == 401:
            raise click.ClickException(
                f"login to {url} failed: wrong username or password "
                "(or the account is locked or deactivated)"
            ) from None
        raise
    finally:
        api.close()
    path = save_credentials(Credentials(url, username, str(answer["auth_token"])))
    say(f"Logged in to {url} as {username} (session saved in {path})")


@click.command()
def logout() -> None:
    """End the stored session on the server and forget it locally.

    \b
    Example:
      wharf logout
    """
    stored = load_credentials()
    if stored is None:
        say(f"Not logged in (no {credentials_path()})")
        return
    api = ApiClient(stored.url, stored.token)
    try:
        api.post("/auth/logout")
    except ApiError as exc:
        if exc.status != 401:  # 401: the session had already ended
            warn(f"the server did not end the session: {exc.message}")
    except click.ClickException as exc:
        warn(f"{exc.message}; forgetting the session locally anyway")
    finally:
        api.close()
    remove_credentials()
    say(f"Logged out of {stored.url}")


@click.command()
@json_option
@api_command
def whoami(api: ApiClient, as_json: bool) -> None:
    """Show the account the stored session (or $WHARF_TOKEN) acts as.

    \b
    Examples:
      wharf whoami
      wharf whoami --json
    """
    me = api.get("/auth/whoami")
    if as_json:
        emit_json(me)
        return
    details(
        [
            ("Server", api.url),
            ("User", me["name"]),
            ("Full name", me.get("fullName")),
            ("Administrator", me.get("isAdmin")),
            ("Active", me.get("isActive")),
        ]
    )
