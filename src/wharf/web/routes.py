"""The web UI: a static single-page app (ES modules and one style sheet, no build step)
served at ``/ui/``; ``/`` redirects there. The app talks only to the public REST API, with
the session token from ``POST /auth/login``.

Every UI response carries a strict Content-Security-Policy (scripts, styles and API calls
from this origin only, no inline code) and ``no-cache``, so an upgrade is picked up on the
next load without stale modules.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}


class _UiFiles:
    """StaticFiles with the UI's headers added to every response."""

    def __init__(self, directory: Path) -> None:
        self.files = StaticFiles(directory=directory, html=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode().lower() not in SECURITY_HEADERS
                ]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.files(scope, receive, send_with_headers)


async def _to_ui(request: Request) -> Response:
    return RedirectResponse("/ui/", status_code=302)


def web_routes(directory: Path = STATIC_DIR) -> list[BaseRoute]:
    return [
        Route("/", _to_ui, methods=["GET", "HEAD"]),
        Route("/ui", _to_ui, methods=["GET", "HEAD"]),
        Mount("/ui", app=_UiFiles(directory), name="ui"),
    ]
