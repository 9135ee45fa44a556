"""Checks shared by every manifest handler: descriptors and annotations."""

from __future__ import annotations

from typing import Any

from wharf.registry.errors import ErrorCode, RegistryError
from wharf.registry.manifests.media_types import DOCKER_FOREIGN_LAYER, OCI_NONDISTRIBUTABLE_PREFIX
from wharf.registry.names import parse_digest


def invalid(message: str) -> RegistryError:
    return RegistryError(ErrorCode.MANIFEST_INVALID, message)


def require_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{where} must be a JSON object")
    return value


def require_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(f"{where} must be a JSON array")
    return value


def descriptor(value: Any, where: str) -> dict[str, Any]:
    """A valid descriptor: mediaType, digest and a non-negative size."""
    desc = require_object(value, where)
    media_type = desc.get("mediaType")
    if not isinstance(media_type, str) or not media_type:
        raise invalid(f"{where}.mediaType must be a non-empty string")
    digest = desc.get("digest")
    if not isinstance(digest, str):
        raise invalid(f"{where}.digest must be a string")
    try:
        parse_digest(digest)
    except RegistryError:
        raise invalid(f"{where}.digest {digest!r} is not a valid digest") from None
    size = desc.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise invalid(f"{where}.size must be a non-negative integer")
    check_annotations(desc.get("annotations"), f"{where}.annotations")
    return desc


def check_annotations(value: Any, where: str) -> dict[str, str] | None:
    if value is None:
        return None
    obj = require_object(value, where)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in obj.items()):
        raise invalid(f"{where} must map strings to strings")
    return obj


def is_foreign(desc: dict[str, Any]) -> bool:
    """Layers that live elsewhere (Windows base layers): not required in the registry."""
    media_type = str(desc.get("mediaType", ""))
    return bool(desc.get("urls")) and (
        media_type == DOCKER_FOREIGN_LAYER or media_type.startswith(OCI_NONDISTRIBUTABLE_PREFIX)
    )
