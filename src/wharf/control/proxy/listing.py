"""Filtering a list answer without parsing it whole.

A user who sees several collections gets the engine's list filtered by Wharf. Parsing a
5,000-container answer into Python objects and writing it out again is most of that
cost (about 55 ms here), though only one label per object decides. So the answer is
split into its elements as raw bytes, only each element's labels are decoded, and the
visible elements are joined back exactly as the engine wrote them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

# The top-level array, each element kept as its raw bytes.
_ELEMENTS = msgspec.json.Decoder(list[msgspec.Raw])


class _Labelled(msgspec.Struct):
    Labels: dict[str, Any] | None = None


class _Spec(msgspec.Struct):
    Labels: dict[str, Any] | None = None
    Role: str | None = None


class _SpecLabelled(msgspec.Struct):
    Spec: _Spec | None = None


_LABELLED = msgspec.json.Decoder(_Labelled)
_SPEC_LABELLED = msgspec.json.Decoder(_SpecLabelled)
# The kinds whose list elements carry their labels in their Spec (the others at the top
# level; see resources.labels_of).
_IN_SPEC = frozenset({"services", "secrets", "configs", "nodes"})


def _essentials(kind: str, element: msgspec.Raw) -> dict[str, Any] | None:
    """The part of a list element that decides its collection, shaped like the element
    (so the one ``collection_of`` decides); None if the element is not an object."""
    try:
        if kind not in _IN_SPEC:
            return {"Labels": _LABELLED.decode(element).Labels}
        spec = _SPEC_LABELLED.decode(element).Spec
    except msgspec.ValidationError:
        return None
    return {"Spec": {"Labels": spec.Labels, "Role": spec.Role} if spec is not None else None}


def keep_elements(
    kind: str, body: bytes, keep: Callable[[dict[str, Any]], bool], limit: int | None = None
) -> bytes | None:
    """The JSON array ``body`` with only the elements ``keep`` accepts (it sees each
    element's labels, shaped like the element), at most ``limit`` of them, each exactly
    as it was. None when ``body`` is JSON but not an array (the caller parses it
    instead); ValueError when it is not JSON."""
    try:
        elements = _ELEMENTS.decode(body)
    except msgspec.ValidationError:
        return None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    kept: list[msgspec.Raw] = []
    for element in elements:
        essentials = _essentials(kind, element)
        if essentials is not None and keep(essentials):
            kept.append(element)
            if limit is not None and len(kept) >= limit:
                break
    return b"[" + b",".join(kept) + b"]"
