"""Input no field of Wharf's may hold answers 400 at the edge, in the API's error format,
instead of a 500 from deep in a query (PostgreSQL refuses NUL characters in text, and
UTF-8 cannot encode half a surrogate pair). Found by schemathesis on PostgreSQL."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import ADMIN_PASSWORD, InProcessWharf


def _code(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["code"])


@pytest.mark.parametrize(
    "url",
    ["/accounts/?contains=a%00b", "/collectionByPath?path=/Shared%00", "/accounts/a%00b"],
)
async def test_nul_in_a_url(wharf: InProcessWharf, url: str) -> None:
    r = await wharf.client.get(url, auth=("admin", ADMIN_PASSWORD))
    assert r.status_code == 400
    assert _code(r.json()) == "INVALID_INPUT"


@pytest.mark.parametrize("username", ["admin\u0000", "\ud800admin"])
async def test_nul_or_lone_surrogate_in_a_json_body(wharf: InProcessWharf, username: str) -> None:
    # (json= would refuse to encode a lone surrogate; JSON itself can spell one)
    body = '{"username": ' + _json_string(username) + ', "password": "whatever-1"}'
    r = await wharf.client.post(
        "/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert "NUL character or an unpaired" in r.json()["errors"][0]["message"]


def _json_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in text) + '"'


async def test_nul_in_basic_credentials(wharf: InProcessWharf) -> None:
    value = base64.b64encode(b"admin\x00:" + ADMIN_PASSWORD.encode()).decode()
    r = await wharf.client.get("/auth/token", headers={"Authorization": f"Basic {value}"})
    assert r.status_code == 401


async def test_nul_in_the_token_form(wharf: InProcessWharf) -> None:
    r = await wharf.client.post(
        "/auth/token",
        content="grant_type=password&username=admin%00&password=x&service=wharf",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


async def test_logout_needs_a_session_token(wharf: InProcessWharf) -> None:
    r = await wharf.client.post("/auth/logout")
    assert r.status_code == 401
    r = await wharf.client.post("/auth/logout", auth=("admin", ADMIN_PASSWORD))
    assert r.status_code == 401
    assert "session token" in r.json()["errors"][0]["message"]
