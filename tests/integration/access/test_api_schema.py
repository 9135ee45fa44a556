"""schemathesis (its command line, as CI would run it) against the OpenAPI document a real
``wharf up`` serves: every
documented operation of the accounts, access-control and repository APIs is called with
generated input — valid and invalid — as an administrator and as a plain user, on SQLite
and on PostgreSQL. Each answer must not be a server error, must use a documented status
and content type, must match its documented schema, must refuse invalid input, must ask
for credentials when they are missing or wrong, and must list the allowed methods on 405.

Path parameters are drawn from the names of a small seeded organization as well as from
their grammar, so the calls reach existing accounts, teams and repositories and not only
404s. Only "schema-valid input is accepted" is left out: valid-looking input is still
refused for reasons no schema states (an LDAP filter that does not parse, LDAP not
configured yet, a collection that already exists).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.common.wharf import WharfServer

ORG, TEAM, USER, REPO = "engineering", "dev", "alice", "app"
USER_PASSWORD = "alice-password"
SEEDED = {
    "name": [ORG, USER],
    "member": [USER],
    "user": [USER],
    "team": [TEAM],
    "namespace": [ORG, USER],
    "repo": [REPO],
    "role": ["viewonly", "fullcontrol"],
    "collection": [],  # the ids of /Shared and /Shared/apps, known once seeded
    "section": ["auth", "auth.sessions", "auth.account_lock", "registry"],
    "tag": ["latest"],
}
EXAMPLES_PER_OPERATION = 15
LOGOUT = "/auth/logout"


def _seed(server: WharfServer) -> dict[str, list[str]]:
    """The seeded organization; the names a path parameter may take."""
    with server.client() as c:
        calls = [
            c.post("/accounts/", json={"name": ORG, "isOrg": True}),
            c.post("/accounts/", json={"name": USER, "password": USER_PASSWORD}),
            c.post(f"/accounts/{ORG}/teams", json={"name": TEAM}),
            c.put(f"/accounts/{ORG}/members/{USER}", json={}),
            c.put(f"/accounts/{ORG}/teams/{TEAM}/members/{USER}"),
            c.post(f"/api/v0/repositories/{ORG}", json={"name": REPO}),
            c.put(
                f"/api/v0/repositories/{ORG}/{REPO}/teamAccess/{TEAM}",
                json={"accessLevel": "read-write"},
            ),
            c.post("/collections", json={"name": "apps", "parent_path": "/Shared"}),
        ]
        apps = calls[-1].json()["id"]
        calls.append(c.put(f"/collectionGrants/{ORG}/{apps}/viewonly"))
        calls.append(c.get("/collectionByPath", params={"path": "/Shared"}))
    for r in calls:
        assert r.status_code < 300, r.text
    return {**SEEDED, "collection": [calls[-1].json()["id"], apps]}


def _with_seeded_names(document: dict[str, Any], seeded: dict[str, list[str]]) -> dict[str, Any]:
    """Path parameters may also be one of the seeded names."""
    for item in document["paths"].values():
        for op in item.values():
            for param in op["parameters"]:
                names = seeded.get(param["name"])
                if param["in"] == "path" and names:
                    param["schema"] = {"anyOf": [{"enum": names}, param["schema"]]}
    return document


def _session(server: WharfServer, user: str, password: str) -> str:
    r = httpx.post(
        f"{server.url}/auth/login", json={"username": user, "password": password}, timeout=30
    )
    assert r.status_code == 200, r.text
    return f"Authorization: Bearer {r.json()['auth_token']}"


@pytest.fixture(scope="module")
def seeded_names(module_wharf: WharfServer) -> dict[str, list[str]]:
    return _seed(module_wharf)


@pytest.fixture(scope="module")
def document(
    module_wharf: WharfServer,
    seeded_names: dict[str, list[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    r = httpx.get(f"{module_wharf.url}/api/openapi.json", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(_with_seeded_names(r.json(), seeded_names)))
    return path


def _schemathesis(server: WharfServer, document: Path, header: str, *select: str) -> None:
    """One ``st run``; it exits non-zero on any failed check and prints each failure
    with a curl command that reproduces it."""
    proc = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", str(document),
            "--url", server.url,
            "--header", header,
            "--exclude-checks", "positive_data_acceptance",
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(EXAMPLES_PER_OPERATION),
            "--seed", "20261128",
            "--no-color",
            "--generation-database", "none",
            "--request-timeout", "30",
            *select,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=document.parent,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-30000:] + proc.stderr[-5000:]


# The plain user goes first: the administrator's calls may deactivate or delete them.
def test_as_user(module_wharf: WharfServer, document: Path) -> None:
    header = _session(module_wharf, USER, USER_PASSWORD)
    _schemathesis(module_wharf, document, header, "--exclude-path", LOGOUT)


def test_as_admin(module_wharf: WharfServer, document: Path) -> None:
    header = _session(module_wharf, *module_wharf.admin)
    _schemathesis(module_wharf, document, header, "--exclude-path", LOGOUT)


def test_logout(module_wharf: WharfServer, document: Path) -> None:
    """On its own: logging out ends the session every later call would use."""
    header = _session(module_wharf, *module_wharf.admin)
    _schemathesis(module_wharf, document, header, "--include-path", LOGOUT)
