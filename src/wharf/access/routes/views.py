"""JSON shapes of access objects, as the UCP accounts and authorization APIs spell them."""

from __future__ import annotations

from typing import Any

from wharf.access.grants import Subject
from wharf.access.models import Account, Collection, Grant, Role, Team


def account_view(account: Account) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "name": account.name,
        "fullName": account.full_name,
        "isOrg": account.is_org,
        "isAdmin": account.is_admin,
        "isActive": account.is_active,
        "isImported": account.source == "ldap",
        "isServiceAccount": account.service_org_id is not None,
        "createdAt": account.created_at.isoformat(),
    }


def team_view(team: Team, org: Account) -> dict[str, Any]:
    return {
        "id": str(team.id),
        "orgID": str(org.id),
        "orgName": org.name,
        "name": team.name,
        "description": team.description,
        "memberSync": team.member_sync is not None,
    }


def role_view(role: Role) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "system_role": role.system_role,
        "operations": role.operations,
    }


def collection_view(collection: Collection) -> dict[str, Any]:
    return {
        "id": collection.id,
        "name": collection.name,
        "path": collection.path,
        "parent_ids": [collection.parent_id] if collection.parent_id else [],
        "created_at": collection.created_at.isoformat(),
    }


def grant_view(grant: Grant, path: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "subjectID": grant.subject_id,
        "objectID": grant.collection_id,
        "roleID": grant.role_id,
    }
    if path is not None:
        view["collectionPath"] = path
    return view


def subject_view(subject: Subject) -> dict[str, Any]:
    return {"id": subject.id, "subject_type": subject.type, "name": subject.name}
