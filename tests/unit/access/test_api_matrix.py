"""The access endpoints for every kind of caller: the status each one gets.

Callers: anonymous; ``dave``, a regular user outside the organization; ``carol``, an
owner of the organization ``acme``; ``alice``, a member of its teams ``dev`` and ``qa``;
and the admin. A private thing asked for by someone who may not see it answers exactly
as a missing one does (404), never 403.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import InProcessWharf
from tests.unit.access.test_api import setup_org

CALLERS = ("anonymous", "dave", "carol", "alice", "admin")

# (method, path, JSON body or None, expected status for each caller in CALLERS order).
# {who} in a path or body is the caller's name, so writes do not collide.
MATRIX: list[tuple[str, str, Any, tuple[int, int, int, int, int]]] = [
    ("GET", "/auth/whoami", None, (401, 200, 200, 200, 200)),
    ("GET", "/accounts/", None, (401, 200, 200, 200, 200)),
    ("GET", "/accounts/alice", None, (401, 200, 200, 200, 200)),
    ("GET", "/accounts/acme", None, (401, 404, 200, 200, 200)),
    ("GET", "/accounts/acme/members", None, (401, 404, 200, 200, 200)),
    ("GET", "/accounts/acme/teams", None, (401, 404, 200, 200, 200)),
    ("GET", "/accounts/acme/teams/dev", None, (401, 404, 200, 200, 200)),
    ("GET", "/accounts/acme/teams/dev/members", None, (401, 404, 200, 200, 200)),
    ("GET", "/accounts/nosuchorg/teams", None, (401, 404, 404, 404, 404)),
    ("POST", "/accounts/acme/teams", {"name": "t-{who}"}, (401, 404, 201, 403, 201)),
    # (bob is no caller: the callers' own memberships stay as set up)
    ("PUT", "/accounts/acme/teams/dev/members/bob", None, (401, 404, 200, 403, 200)),
    ("PATCH", "/accounts/alice", {"fullName": "Alice A"}, (401, 403, 403, 200, 200)),
    (
        "POST",
        "/accounts/",
        {"name": "n-{who}", "password": "a-password-1"},
        (401, 403, 403, 403, 201),
    ),
    ("GET", "/roles", None, (401, 200, 200, 200, 200)),
    ("POST", "/roles", {"name": "r-{who}", "operations": {}}, (401, 403, 403, 403, 201)),
    ("GET", "/collections", None, (401, 200, 200, 200, 200)),
    ("GET", "/collectionByPath?path=/System", None, (401, 404, 404, 404, 200)),
    (
        "POST",
        "/collections",
        {"name": "c-{who}", "parent_path": "/Shared"},
        (401, 403, 403, 403, 201),
    ),
    ("GET", "/collectionGrants", None, (401, 200, 200, 200, 200)),
    ("PUT", "/collectionGrants/dave/shared/viewonly", None, (401, 403, 403, 403, 201)),
    ("GET", "/api/ucp/config/auth.sessions", None, (401, 403, 403, 403, 200)),
    ("GET", "/api/ucp/config/auth/ldap", None, (401, 403, 403, 403, 200)),
    ("GET", "/api/audit", None, (401, 403, 403, 403, 200)),
    # Anonymous callers may read public repositories: a private one looks absent.
    ("GET", "/api/v0/repositories/acme/app", None, (404, 404, 200, 404, 200)),
    ("GET", "/accounts/alice/tokens", None, (401, 403, 403, 200, 200)),
    ("POST", "/accounts/{who}/tokens", {"label": "ci"}, (401, 201, 201, 201, 201)),
    ("PATCH", "/accounts/acme/teams/dev", {"description": "d"}, (401, 404, 200, 403, 200)),
    ("GET", "/roles/viewonly", None, (401, 200, 200, 200, 200)),
    ("DELETE", "/roles/fullcontrol", None, (401, 403, 403, 403, 400)),
    ("GET", "/collections/shared", None, (401, 200, 200, 200, 200)),
    ("GET", "/collections/shared/children", None, (401, 200, 200, 200, 200)),
    ("DELETE", "/collections/shared", None, (401, 403, 403, 403, 400)),
    # Users are visible to every user, and so is where their new objects go by default.
    ("GET", "/defaultCollection/alice", None, (401, 200, 200, 200, 200)),
    ("PUT", "/defaultCollection/alice", {"path": "/Shared"}, (401, 403, 403, 200, 200)),
    ("GET", "/api/ucp/config", None, (401, 403, 403, 403, 200)),
    ("PUT", "/api/ucp/config/auth/ldap", {}, (401, 403, 403, 403, 200)),
    ("GET", "/api/ucp/config/auth/ldap/sync", None, (401, 403, 403, 403, 200)),
    # "Why can alice do this?": herself, or an administrator.
    (
        "GET",
        "/api/access/explain?user=alice&operation=Service%20Delete&collection=/Shared",
        None,
        (401, 403, 403, 200, 200),
    ),
    ("DELETE", "/accounts/n-admin", None, (401, 403, 403, 403, 204)),
    ("PUT", "/accounts/acme/members/bob", {"isAdmin": False}, (401, 404, 200, 403, 200)),
    ("DELETE", "/collectionGrants/dave/shared/viewonly", None, (401, 403, 403, 403, 204)),
    ("DELETE", "/accounts/acme/teams/qa/members/bob", None, (401, 404, 204, 403, 404)),
]


async def test_every_endpoint_for_every_caller(wharf: InProcessWharf) -> None:
    users = await setup_org(wharf)
    headers = {"anonymous": {}, **users}
    wrong = []
    for method, path, body, expected in MATRIX:
        for who, status in zip(CALLERS, expected, strict=True):
            json_body = (
                {k: v.format(who=who) if isinstance(v, str) else v for k, v in body.items()}
                if body is not None
                else None
            )
            r = await wharf.client.request(
                method, path.format(who=who), headers=headers[who], json=json_body
            )
            if r.status_code != status:
                wrong.append(f"{method} {path} as {who}: {r.status_code}, expected {status}")
    assert not wrong, "\n".join(wrong)
