"""The access endpoints for every kind of caller: the status each one gets.

Callers: anonymous; ``dave``, a regular user outside the organization; ``carol``, an
owner of the organization ``acme``; ``alice``, a member of its teams ``dev`` and ``qa``;
and the admin. A private thing asked for by someone who may not see it answers exactly
as a missing one does (404), never 403.
"""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import InProcessWharf
from tests.unit.access.test_api import setup_org
from wharf.core.app import api_document

CALLERS = ("anonymous", "dave", "carol", "alice", "admin")
NO_ID = "00000000-0000-0000-0000-000000000000"

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
    # -- sessions and the token service --------------------------------------------------------
    ("POST", "/auth/login", {"username": "{who}", "password": "not-it-1"}, (401,) * 5),
    # The token service takes Basic credentials (docker login), not API sessions.
    ("GET", "/auth/token?service=wharf", None, (200, 401, 401, 401, 401)),
    # -- tokens, members, teams -------------------------------------------------------------------
    (
        "DELETE",
        f"/accounts/alice/tokens/{NO_ID}",
        None,
        (401, 403, 403, 404, 404),
    ),
    ("GET", "/accounts/acme/teams/dev/memberSyncConfig", None, (401, 404, 200, 403, 200)),
    # Syncing from the directory is an administrator's decision, even for org owners.
    (
        "PUT",
        "/accounts/acme/teams/dev/memberSyncConfig",
        {"enableSync": False},
        (401, 404, 403, 403, 200),
    ),
    ("DELETE", "/accounts/acme/members/bob", None, (401, 404, 204, 403, 404)),
    ("DELETE", "/accounts/acme/teams/t-{who}", None, (401, 404, 204, 404, 204)),
    # -- collections and settings -----------------------------------------------------------------
    ("PATCH", "/collections/shared", {"name": "Shared"}, (401, 403, 403, 403, 400)),
    ("PUT", "/api/ucp/config/auth.sessions", {"per_user_limit": 10}, (401, 403, 403, 403, 200)),
    (
        "POST",
        "/api/ucp/config/auth/ldap/test",
        {"username": "x", "password": "y"},
        (401, 403, 403, 403, 400),  # (400: no directory configured)
    ),
    ("POST", "/api/ucp/config/auth/ldap/sync", None, (401, 403, 403, 403, 400)),
    # -- repositories (acme/app is private; alice's teams get access further down) ---------------
    ("GET", "/api/v0/repositories", None, (200,) * 5),
    ("GET", "/api/v0/repositories/acme", None, (200,) * 5),
    ("POST", "/api/v0/repositories/{who}", {"name": "r"}, (401, 201, 201, 201, 201)),
    # Creating in an organization one cannot see: as absent as the organization itself.
    ("POST", "/api/v0/repositories/acme", {"name": "r-{who}"}, (401, 404, 201, 403, 201)),
    (
        "PATCH",
        "/api/v0/repositories/acme/app",
        {"shortDescription": "s"},
        (404, 404, 200, 404, 200),
    ),
    ("GET", "/api/v0/repositories/acme/app/tags", None, (404, 404, 200, 404, 200)),
    ("GET", "/api/v0/repositories/acme/app/teamAccess", None, (404, 404, 200, 404, 200)),
    (
        "PUT",
        "/api/v0/repositories/acme/app/teamAccess/dev",
        {"accessLevel": "read-only"},
        (404, 404, 200, 403, 200),  # (alice's turn comes after carol gave dev access)
    ),
    # alice (in dev) now reads the repository, but does not administer it.
    ("GET", "/api/v0/repositories/acme/app/teamAccess/dev", None, (404, 404, 200, 403, 200)),
    ("GET", "/api/v0/repositories/acme/app/images", None, (404, 404, 200, 200, 200)),
    ("GET", "/api/v0/repositories/acme/app/tags/latest", None, (404,) * 5),
    ("GET", f"/api/v0/repositories/acme/app/manifests/sha256:{'0' * 64}", None, (404,) * 5),
    ("GET", "/api/v0/repositories/acme/app/myAccess", None, (404, 404, 200, 200, 200)),
    ("DELETE", "/api/v0/repositories/acme/app/teamAccess/dev", None, (404, 404, 204, 404, 204)),
    ("DELETE", "/api/v0/repositories/dave/r", None, (404, 204, 404, 404, 404)),
    # -- the CA, client bundles and their keys (another's keys look absent) ---------------------
    ("GET", "/ca", None, (200,) * 5),
    ("GET", "/api/clientbundle?label=m", None, (401, 200, 200, 200, 200)),
    ("POST", "/api/clientbundle", None, (401, 200, 200, 200, 200)),
    ("GET", "/accounts/alice/publicKeys", None, (401, 404, 404, 200, 200)),
    ("GET", f"/accounts/alice/publicKeys/{NO_ID}", None, (401, 404, 404, 404, 404)),
    ("PATCH", f"/accounts/alice/publicKeys/{NO_ID}", {"label": "x"}, (401, 404, 404, 404, 404)),
    ("DELETE", f"/accounts/alice/publicKeys/{NO_ID}", None, (401, 404, 404, 404, 404)),
]

# Documented operations the matrix leaves to tests of their own, and why.
NOT_IN_MATRIX = {
    ("POST", "/auth/token"): "an OAuth2 form body (tests/unit/registry/test_api.py)",
    ("POST", "/auth/logout"): "ends the session the later rows use (test_api.py)",
}


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


def test_the_matrix_covers_every_documented_operation() -> None:
    def covered(method: str, template: str) -> bool:
        parts = re.split(r"\{\w+\}", template)
        pattern = re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")
        return any(m == method and pattern.match(p.split("?")[0]) for m, p, _, _ in MATRIX)

    paths: dict[str, dict[str, Any]] = api_document()["paths"]  # type: ignore[assignment]
    missing = [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if (method.upper(), path) not in NOT_IN_MATRIX and not covered(method.upper(), path)
    ]
    assert not missing, "operations without a matrix row:\n" + "\n".join(missing)
