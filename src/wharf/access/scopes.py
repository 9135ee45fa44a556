"""Scopes of Docker token auth: ``<type>:<name>:<action>[,<action>...]``.

Examples: ``repository:alice/app:pull,push``, ``registry:catalog:*``. The name may itself
contain colons (a registry host with a port), so the type is before the first colon and
the actions after the last one.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_ACTIONS = "*"


@dataclass(frozen=True)
class Scope:
    type: str
    name: str
    actions: frozenset[str]

    def to_claim(self) -> dict[str, object]:
        return {"type": self.type, "name": self.name, "actions": sorted(self.actions)}

    def __str__(self) -> str:
        return f"{self.type}:{self.name}:{','.join(sorted(self.actions))}"


def parse_scope(text: str) -> Scope | None:
    """A scope, or None when ``text`` is not one (unknown scopes are ignored, as the
    token spec asks)."""
    first = text.find(":")
    last = text.rfind(":")
    if first <= 0 or last == first:
        return None
    resource_type = text[:first]
    # "repository(plugin)" is an old class annotation; it does not change the meaning.
    if "(" in resource_type:
        resource_type = resource_type.split("(", 1)[0]
    name = text[first + 1 : last]
    actions = frozenset(a for a in text[last + 1 :].split(",") if a)
    if not name or not actions:
        return None
    return Scope(resource_type, name, actions)


def parse_scopes(values: list[str]) -> list[Scope]:
    """Every scope of every ``scope`` parameter (docker sends one parameter per scope,
    some clients join them with spaces)."""
    scopes: list[Scope] = []
    for value in values:
        for part in value.split():
            scope = parse_scope(part)
            if scope is not None:
                scopes.append(scope)
    return scopes
