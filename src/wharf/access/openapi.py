"""The access APIs in the OpenAPI document: sessions, the token service, accounts,
organizations and teams, access tokens, roles, collections, grants, the explainer,
admin settings and LDAP. The shapes follow ``routes/views.py`` and the LDAP field
tables, which stay the one source of each field's name and type."""

from __future__ import annotations

from wharf.access.access_tokens import MAX_TOKEN_DAYS
from wharf.access.accounts import ACCOUNT_FILTERS, ACCOUNT_NAME, MIN_PASSWORD_LENGTH
from wharf.access.grants import SUBJECT_TYPE_FILTERS
from wharf.access.ldap import config as ldap_config
from wharf.core.api import MAX_START
from wharf.core.openapi import (
    ANY_OBJECT,
    BOOLEAN,
    INTEGER,
    STRING,
    TIMESTAMP,
    Operation,
    Param,
    Schema,
    array,
    fields_schema,
    nullable,
    obj,
    ref,
    request,
)

ACCOUNT_NAME_SCHEMA: Schema = {"type": "string", "pattern": ACCOUNT_NAME.pattern, "maxLength": 255}
TEAM_NAME_SCHEMA: Schema = {"type": "string", "pattern": ACCOUNT_NAME.pattern, "maxLength": 100}
PASSWORD: Schema = {"type": "string", "minLength": MIN_PASSWORD_LENGTH}

PATH_PARAMETERS: dict[str, Schema] = {
    "name": ACCOUNT_NAME_SCHEMA,
    "member": ACCOUNT_NAME_SCHEMA,
    "user": ACCOUNT_NAME_SCHEMA,
    "team": TEAM_NAME_SCHEMA,
    "token_id": STRING,
    "role": {**STRING, "description": "a role id or name"},
    # (A path cannot be given here: its slashes would split the URL path.)
    "collection": {**STRING, "description": "a collection id"},
    "subject": {**STRING, "description": "an account id or name, or a team id or org/team"},
    "section": STRING,
}

PAGING = (
    Param(
        "start",
        {"type": "integer", "minimum": 0, "maximum": MAX_START},
        description="index of the first item",
    ),
    Param(
        "limit",
        {"type": "integer", "minimum": 1},
        description="page size (at most 1000)",
    ),
)


def _page(key: str, item: Schema) -> Schema:
    return obj({key: array(item), "nextPageStart": STRING})


_MEMBER_SYNC = fields_schema(ldap_config.MEMBER_SYNC_FIELDS)
_SERVER_VIEW = fields_schema(ldap_config.SERVER_FIELDS)
_SERVER_VIEW["properties"]["hasReaderPassword"] = BOOLEAN
_SERVER_VIEW["required"].append("hasReaderPassword")
_SERVER_INPUT = fields_schema(ldap_config.SERVER_FIELDS, as_input=True)
_SERVER_INPUT["properties"]["readerPassword"] = nullable(STRING)
_SERVER_INPUT["properties"]["hasReaderPassword"] = {"description": "ignored; GET shows it"}
_SEARCH = fields_schema(ldap_config.SEARCH_FIELDS)
_TOP = fields_schema(ldap_config.TOP_FIELDS)["properties"]

COMPONENTS: dict[str, Schema] = {
    # The token service answers in OAuth2's error shape, or the APIs' one on 401.
    "TokenError": obj(
        {
            "error": STRING,
            "error_description": STRING,
            "errors": array(obj({"code": STRING, "message": STRING}, closed=False)),
        },
        (),
        closed=False,
    ),
    "Account": obj(
        {
            "id": STRING,
            "name": STRING,
            "fullName": STRING,
            "isOrg": BOOLEAN,
            "isAdmin": BOOLEAN,
            "isActive": BOOLEAN,
            "isImported": BOOLEAN,
            "isServiceAccount": BOOLEAN,
            "createdAt": TIMESTAMP,
        }
    ),
    "Team": obj(
        {
            "id": STRING,
            "orgID": STRING,
            "orgName": STRING,
            "name": STRING,
            "description": STRING,
            "memberSync": BOOLEAN,
        }
    ),
    "Role": obj(
        {
            "id": STRING,
            "name": STRING,
            "system_role": BOOLEAN,
            "operations": {
                "type": "object",
                "description": "resource type → operation → enabled sub-options",
                "additionalProperties": {"type": "object", "additionalProperties": array(STRING)},
            },
        }
    ),
    "Collection": obj(
        {
            "id": STRING,
            "name": STRING,
            "path": STRING,
            "parent_ids": array(STRING),
            "created_at": TIMESTAMP,
        }
    ),
    "Grant": obj(
        {"subjectID": STRING, "objectID": STRING, "roleID": STRING, "collectionPath": STRING},
        ["subjectID", "objectID", "roleID"],
    ),
    "Subject": obj({"id": STRING, "subject_type": STRING, "name": STRING}),
    "LdapConfig": obj(
        {
            **_TOP,
            "servers": array(_SERVER_VIEW),
            "userSearchConfigs": array(_SEARCH),
            "adminSyncOpts": _MEMBER_SYNC,
        }
    ),
    "LdapSyncStatus": obj(
        {
            "jobID": nullable(STRING),
            "state": STRING,
            "progress": nullable(ANY_OBJECT),
            "result": nullable(ANY_OBJECT),
        },
        closed=False,
    ),
    "MemberSyncConfig": obj(
        {
            **_MEMBER_SYNC["properties"],
            "immediateSync": BOOLEAN,
            "sync": obj({"added": INTEGER, "removed": INTEGER, "members": INTEGER}),
            "syncError": STRING,
        },
        [*_MEMBER_SYNC["required"], "immediateSync"],
    ),
}

ACCOUNT, TEAM, ROLE, COLLECTION = ref("Account"), ref("Team"), ref("Role"), ref("Collection")
COLLECTION_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^/]+$"}
NAME_BODY = request({"name": COLLECTION_NAME}, ["name"])

_AUTH = "Sessions and tokens"
_ACCOUNTS = "Accounts"
_TEAMS = "Organizations and teams"
_RBAC = "Roles, collections and grants"
_SETTINGS = "Settings"
_LDAP = "LDAP"

_TOKEN_RESPONSE = obj(
    {
        "token": STRING,
        "access_token": STRING,
        "expires_in": INTEGER,
        "issued_at": STRING,
        "refresh_token": STRING,
    },
    ["token", "access_token", "expires_in", "issued_at"],
)

OPERATIONS: list[Operation] = [
    # -- sessions and the registry token service ---------------------------------------------
    Operation(
        "POST",
        "/auth/login",
        "Log in; the auth_token is a Bearer token for every API",
        _AUTH,
        obj(
            {
                "auth_token": STRING,
                "token_id": STRING,
                "user_agent": STRING,
                "expires_in": INTEGER,
            }
        ),
        body=request({"username": STRING, "password": STRING}, ["username", "password"]),
        auth="none",
    ),
    Operation("POST", "/auth/logout", "End this session", _AUTH, status=204),
    Operation("GET", "/auth/whoami", "The calling account", _AUTH, ACCOUNT),
    Operation(
        "GET",
        "/auth/token",
        "A registry token for the granted part of the asked scopes (Docker token auth)",
        _AUTH,
        _TOKEN_RESPONSE,
        query=(
            Param("service", description="must name this registry when given"),
            Param("scope", array(STRING), description="repository:NAME:pull,push …"),
            Param("offline_token", description="true: also issue a refresh token"),
            Param("client_id"),
        ),
        auth="optional",
        error="TokenError",
    ),
    Operation(
        "POST",
        "/auth/token",
        "A registry token by password or refresh token (OAuth2 form)",
        _AUTH,
        _TOKEN_RESPONSE,
        body=obj(
            {
                "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
                "service": STRING,
                "scope": STRING,
                "username": STRING,
                "password": STRING,
                "refresh_token": STRING,
                "access_type": STRING,
                "client_id": STRING,
            },
            ["grant_type"],
            closed=False,
        ),
        body_type="application/x-www-form-urlencoded",
        auth="none",
        error="TokenError",
    ),
    # -- accounts ----------------------------------------------------------------------------
    Operation(
        "GET",
        "/accounts/",
        "Accounts the caller may see, filtered, ordered and paged",
        _ACCOUNTS,
        _page("accounts", ACCOUNT),
        query=(
            Param("filter", {"type": "string", "enum": list(ACCOUNT_FILTERS)}),
            Param("contains", description="part of the name or full name"),
            Param("order", {"type": "string", "enum": ["name", "-name", "created", "-created"]}),
            *PAGING,
        ),
    ),
    Operation(
        "POST",
        "/accounts/",
        "Create a user (admins), an organization (admins) or an organization's "
        "service account (its owners)",
        _ACCOUNTS,
        ACCOUNT,
        status=201,
        body=request(
            {
                "name": ACCOUNT_NAME_SCHEMA,
                "password": PASSWORD,
                "isOrg": BOOLEAN,
                "isAdmin": BOOLEAN,
                "isActive": BOOLEAN,
                "fullName": STRING,
                "serviceAccountOf": STRING,
            },
            ["name"],
        ),
    ),
    Operation("GET", "/accounts/{name}", "One account", _ACCOUNTS, ACCOUNT),
    Operation(
        "PATCH",
        "/accounts/{name}",
        "Change an account; deactivating ends its sessions and tokens",
        _ACCOUNTS,
        ACCOUNT,
        body=request(
            {"fullName": STRING, "password": PASSWORD, "isAdmin": BOOLEAN, "isActive": BOOLEAN},
        ),
    ),
    Operation("DELETE", "/accounts/{name}", "Delete an account", _ACCOUNTS, status=204),
    Operation(
        "GET",
        "/accounts/{name}/tokens",
        "An account's personal access tokens (never their secrets)",
        _ACCOUNTS,
        obj(
            {
                "tokens": array(
                    obj(
                        {
                            "id": STRING,
                            "label": STRING,
                            "createdAt": TIMESTAMP,
                            "lastUsedAt": nullable(TIMESTAMP),
                            "expiresAt": nullable(TIMESTAMP),
                        }
                    )
                )
            }
        ),
    ),
    Operation(
        "POST",
        "/accounts/{name}/tokens",
        "A new personal access token, usable as the password of docker login; its "
        "secret is shown once",
        _ACCOUNTS,
        obj({"id": STRING, "label": STRING, "token": STRING, "expiresAt": nullable(TIMESTAMP)}),
        status=201,
        body=request(
            {
                "label": STRING,
                "expiresInDays": {"type": "integer", "minimum": 1, "maximum": MAX_TOKEN_DAYS},
            }
        ),
    ),
    Operation(
        "DELETE",
        "/accounts/{name}/tokens/{token_id}",
        "Revoke a personal access token",
        _ACCOUNTS,
        status=204,
    ),
    # -- organizations and teams -----------------------------------------------------------------
    Operation(
        "GET",
        "/accounts/{name}/members",
        "An organization's members",
        _TEAMS,
        obj({"members": array(obj({"member": ACCOUNT, "isAdmin": BOOLEAN}))}),
    ),
    Operation(
        "PUT",
        "/accounts/{name}/members/{member}",
        "Add a member to an organization, or change whether they own it",
        _TEAMS,
        obj({"member": ACCOUNT, "isAdmin": BOOLEAN}),
        body=request({"isAdmin": BOOLEAN}),
    ),
    Operation(
        "DELETE",
        "/accounts/{name}/members/{member}",
        "Remove a member from an organization and its teams",
        _TEAMS,
        status=204,
    ),
    Operation(
        "GET",
        "/accounts/{name}/teams",
        "An organization's teams",
        _TEAMS,
        obj({"teams": array(TEAM)}),
    ),
    Operation(
        "POST",
        "/accounts/{name}/teams",
        "Create a team",
        _TEAMS,
        TEAM,
        status=201,
        body=request({"name": TEAM_NAME_SCHEMA, "description": STRING}, ["name"]),
    ),
    Operation("GET", "/accounts/{name}/teams/{team}", "One team", _TEAMS, TEAM),
    Operation(
        "PATCH",
        "/accounts/{name}/teams/{team}",
        "Rename a team or change its description",
        _TEAMS,
        TEAM,
        body=request({"name": TEAM_NAME_SCHEMA, "description": STRING}),
    ),
    Operation("DELETE", "/accounts/{name}/teams/{team}", "Delete a team", _TEAMS, status=204),
    Operation(
        "GET",
        "/accounts/{name}/teams/{team}/members",
        "A team's members",
        _TEAMS,
        obj({"members": array(obj({"member": ACCOUNT}))}),
    ),
    Operation(
        "PUT",
        "/accounts/{name}/teams/{team}/members/{member}",
        "Add a member to a team (not while its members are synced from LDAP)",
        _TEAMS,
        obj({"member": ACCOUNT}),
    ),
    Operation(
        "DELETE",
        "/accounts/{name}/teams/{team}/members/{member}",
        "Remove a member from a team",
        _TEAMS,
        status=204,
    ),
    # -- roles, collections, grants ----------------------------------------------------------------
    Operation("GET", "/roles", "Built-in and custom roles", _RBAC, array(ROLE)),
    Operation(
        "POST",
        "/roles",
        "Create a custom role (roles are immutable)",
        _RBAC,
        ROLE,
        status=201,
        body=request(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "operations": ANY_OBJECT,
            },
            ["name"],
        ),
    ),
    Operation("GET", "/roles/{role}", "One role, by id or name", _RBAC, ROLE),
    Operation("DELETE", "/roles/{role}", "Delete a custom role no grant uses", _RBAC, status=204),
    Operation(
        "GET",
        "/collections",
        "The collections the caller may see, by path",
        _RBAC,
        _page("collections", COLLECTION),
        query=PAGING,
    ),
    Operation(
        "POST",
        "/collections",
        "Create a collection under a parent (id or path)",
        _RBAC,
        COLLECTION,
        status=201,
        body={
            **request(
                {"name": COLLECTION_NAME, "parent_id": STRING, "parent_path": STRING}, ["name"]
            ),
            "anyOf": [{"required": ["parent_id"]}, {"required": ["parent_path"]}],
        },
    ),
    Operation("GET", "/collections/{collection}", "One collection, by id", _RBAC, COLLECTION),
    Operation(
        "PATCH",
        "/collections/{collection}",
        "Rename a collection",
        _RBAC,
        COLLECTION,
        body=NAME_BODY,
    ),
    Operation(
        "DELETE",
        "/collections/{collection}",
        "Delete an empty collection without children",
        _RBAC,
        status=204,
    ),
    Operation(
        "GET",
        "/collections/{collection}/children",
        "A collection's children the caller may see",
        _RBAC,
        array(COLLECTION),
    ),
    Operation(
        "GET",
        "/collectionByPath",
        "One collection, by path",
        _RBAC,
        COLLECTION,
        query=(Param("path"),),
    ),
    Operation("GET", "/defaultCollection/{user}", "A user's default collection", _RBAC, COLLECTION),
    Operation(
        "PUT",
        "/defaultCollection/{user}",
        "Set a user's default collection (the user or an admin)",
        _RBAC,
        COLLECTION,
        body=request({"id": STRING, "path": STRING}),
    ),
    Operation(
        "GET",
        "/collectionGrants",
        "Grants (admins: any subject; others: their own, with their teams' and organizations')",
        _RBAC,
        obj(
            {
                "grants": array(ref("Grant")),
                "subjects": array(ref("Subject")),
                "nextPageStart": STRING,
            }
        ),
        query=(
            Param("subjectID"),
            Param("objectID", description="a collection id or path"),
            Param("roleID"),
            Param("subjectType", {"type": "string", "enum": ["", *SUBJECT_TYPE_FILTERS]}),
            Param("expandUser", description="true: also the grants of the user's teams and orgs"),
            Param("showPaths", description="true: add each grant's collection path"),
            *PAGING,
        ),
    ),
    Operation(
        "PUT",
        "/collectionGrants/{subject}/{collection}/{role}",
        "Grant a role on a collection to a user, team or organization",
        _RBAC,
        ref("Grant"),
        status=201,
    ),
    Operation(
        "DELETE",
        "/collectionGrants/{subject}/{collection}/{role}",
        "Revoke a grant",
        _RBAC,
        status=204,
    ),
    Operation(
        "GET",
        "/api/access/explain",
        "Why a user may or may not do an operation in a collection, with the grants that decide it",
        _RBAC,
        obj(
            {
                "allowed": BOOLEAN,
                "user": STRING,
                "operation": STRING,
                "subOptions": array(STRING),
                "collection": STRING,
                "reason": STRING,
                "message": nullable(STRING),
                "missing": array(STRING),
                "grants": array(
                    obj(
                        {
                            "subjectID": STRING,
                            "objectID": STRING,
                            "roleID": STRING,
                            "subjectName": STRING,
                            "subjectType": STRING,
                            "roleName": STRING,
                            "collectionPath": STRING,
                        }
                    )
                ),
            }
        ),
        query=(
            Param("user"),
            Param("operation", required=True, description='e.g. "Service View"'),
            Param("collection", required=True, description="id or path"),
            Param("subOptions", description="comma-separated sub-options"),
        ),
    ),
    # -- settings ------------------------------------------------------------------------------
    Operation(
        "GET",
        "/api/ucp/config",
        "Every admin settings section",
        _SETTINGS,
        {"type": "object", "additionalProperties": ANY_OBJECT},
    ),
    Operation("GET", "/api/ucp/config/{section}", "One settings section", _SETTINGS, ANY_OBJECT),
    Operation(
        "PUT",
        "/api/ucp/config/{section}",
        "Change some settings of a section; unknown or ill-typed ones are refused",
        _SETTINGS,
        ANY_OBJECT,
        body=ANY_OBJECT,
    ),
    # -- LDAP ------------------------------------------------------------------------------------
    Operation(
        "GET",
        "/api/ucp/config/auth/ldap",
        "The LDAP settings (reader passwords are never shown)",
        _LDAP,
        ref("LdapConfig"),
    ),
    Operation(
        "PUT",
        "/api/ucp/config/auth/ldap",
        "Change the LDAP settings",
        _LDAP,
        ref("LdapConfig"),
        body=request(
            {
                **_TOP,
                "servers": array(_SERVER_INPUT),
                "userSearchConfigs": array(fields_schema(ldap_config.SEARCH_FIELDS, as_input=True)),
                "adminSyncOpts": fields_schema(ldap_config.MEMBER_SYNC_FIELDS, as_input=True),
            },
            closed=True,
        ),
    ),
    Operation(
        "POST",
        "/api/ucp/config/auth/ldap/test",
        "Try a login against the directory, optionally with unsaved settings",
        _LDAP,
        obj({"ok": BOOLEAN, "error": STRING, "dn": STRING}, ["ok"], closed=False),
        body=request(
            {"username": STRING, "password": STRING, "config": ANY_OBJECT}, ["username", "password"]
        ),
    ),
    Operation(
        "GET",
        "/api/ucp/config/auth/ldap/sync",
        "The running or last directory sync, with its progress and result",
        _LDAP,
        ref("LdapSyncStatus"),
    ),
    Operation(
        "POST",
        "/api/ucp/config/auth/ldap/sync",
        "Start a directory sync now",
        _LDAP,
        ref("LdapSyncStatus"),
        status=202,
    ),
    Operation(
        "GET",
        "/accounts/{name}/teams/{team}/memberSyncConfig",
        "How a team's members follow the directory",
        _LDAP,
        ref("MemberSyncConfig"),
    ),
    Operation(
        "PUT",
        "/accounts/{name}/teams/{team}/memberSyncConfig",
        "Sync a team's members from an LDAP group or search (immediateSync: now)",
        _LDAP,
        ref("MemberSyncConfig"),
        body=request(
            {
                **_MEMBER_SYNC["properties"],
                "immediateSync": BOOLEAN,
            },
            closed=True,
        ),
    ),
]
