"""The HTTP client the operator commands use, and the credential store of ``wharf login``.

Credentials live in ``$WHARF_CONFIG`` if set, else ``$XDG_CONFIG_HOME/wharf/credentials.json``
(``~/.config/wharf/credentials.json``): one JSON object ``{url, username, token}``, mode
0600 in a 0700 directory, replaced atomically.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import click
import httpx

DEFAULT_URL = "http://127.0.0.1:5000"
NOT_LOGGED_IN = "not logged in or session expired: run wharf login"
MAX_PAGE = 1000


# -- credential store -------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    token: str


def credentials_path() -> Path:
    override = os.environ.get("WHARF_CONFIG")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "wharf" / "credentials.json"


def load_credentials(path: Path | None = None) -> Credentials | None:
    path = path or credentials_path()
    try:
        data = json.loads(path.read_text())
        return Credentials(str(data["url"]), str(data["username"]), str(data["token"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(
            f"cannot read the credentials in {path} ({exc}): run wharf login again"
        ) from None


def save_credentials(credentials: Credentials, path: Path | None = None) -> Path:
    """Write the file atomically (temp file + rename) with mode 0600; its directory is
    created with mode 0700."""
    path = path or credentials_path()
    directory = path.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".credentials-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:  # mkstemp creates the file with mode 0600
            json.dump(asdict(credentials), f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def remove_credentials(path: Path | None = None) -> bool:
    path = path or credentials_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def normalize_url(url: str) -> str:
    """``host:port`` → ``http(s)://host:port``; plain HTTP only for local addresses."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        host = urlsplit(f"//{url}").hostname or ""
        local = host in ("localhost", "::1") or host.startswith("127.")
        url = f"{'http' if local else 'https'}://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    return url


# -- HTTP -------------------------------------------------------------------------------------


class ApiError(click.ClickException):
    """An error answer of the API; the message is the server's. Exits with status 1."""

    exit_code = 1

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def seg(value: str) -> str:
    """One URL path segment."""
    return quote(value, safe="")


def _error_from(response: httpx.Response) -> ApiError:
    status = response.status_code
    code, message = "", ""
    with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
        errors = response.json()["errors"]
        code = str(errors[0].get("code", ""))
        message = "; ".join(str(e.get("message", "")) for e in errors if e.get("message"))
    if status == 401:
        return ApiError(status, code or "UNAUTHORIZED", NOT_LOGGED_IN)
    if not message:
        text = response.text.strip()[:200]
        message = f"HTTP {status} {response.reason_phrase}" + (f": {text}" if text else "")
    return ApiError(status, code, message)


class ApiClient:
    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout: float = 60,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        headers = {"User-Agent": "wharf-cli"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=10),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
    ) -> Any:
        try:
            response = self._http.request(
                method, path, params=params, json=body if body is not None else None
            )
        except httpx.ConnectError as exc:
            raise click.ClickException(f"cannot connect to Wharf at {self.url}: {exc}") from None
        except httpx.TimeoutException:
            raise click.ClickException(f"Wharf at {self.url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise click.ClickException(f"request to {self.url} failed: {exc}") from None
        if response.status_code >= 400:
            raise _error_from(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise click.ClickException(
                f"{self.url}{path} answered with something that is not JSON; "
                "is this a Wharf server?"
            ) from None

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body=body if body is not None else {})

    def put(self, path: str, body: Any = None) -> Any:
        return self.request("PUT", path, body=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def paged(
        self,
        path: str,
        key: str,
        params: Mapping[str, str | int] | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        """Every item of a ``{key: [...], nextPageStart}`` listing, or the first ``limit``."""
        items: list[Any] = []
        query: dict[str, str | int] = dict(params or {})
        start: str | int = 0
        while True:
            want = MAX_PAGE if limit is None else min(MAX_PAGE, limit - len(items))
            page = self.get(path, {**query, "start": start, "limit": want})
            items.extend(page.get(key) or [])
            start = page.get("nextPageStart") or ""
            if not start or (limit is not None and len(items) >= limit):
                return items if limit is None else items[:limit]


# -- click glue -------------------------------------------------------------------------------


def client_for(server: str | None) -> ApiClient:
    """A client for ``server`` (or the stored one) with the stored token when it belongs
    to that server; ``$WHARF_TOKEN`` (e.g. an access token) takes precedence."""
    credentials = load_credentials()
    if server:
        url = normalize_url(server)
    elif credentials is not None:
        url = credentials.url
    else:
        raise click.ClickException(f"{NOT_LOGGED_IN} (or give --server)")
    token = os.environ.get("WHARF_TOKEN") or (
        credentials.token if credentials is not None and credentials.url == url else None
    )
    client = ApiClient(url, token)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(client.close)
    return client


def current_username(api: ApiClient) -> str:
    return str(api.get("/auth/whoami")["name"])


def api_command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--server`` to a command and pass it a connected ``api`` client."""

    @click.option(
        "--server",
        envvar="WHARF_SERVER",
        metavar="URL",
        default=None,
        help="Wharf server to talk to. [default: the one of wharf login; env WHARF_SERVER]",
    )
    @functools.wraps(fn)
    def wrapper(*args: Any, server: str | None, **kwargs: Any) -> Any:
        return fn(*args, api=client_for(server), **kwargs)

    return wrapper


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the API's JSON objects and nothing else."
)

limit_option = click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Show at most this many. [default: all, fetching every page]",
)


def read_password_stdin() -> str:
    """The password piped on stdin, without its trailing newline."""
    value = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    if not value:
        raise click.UsageError("--password-stdin: nothing was read from stdin")
    return value
