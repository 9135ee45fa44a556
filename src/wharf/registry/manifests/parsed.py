"""What every manifest handler produces."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """Something a manifest points to that must exist in the repository."""

    kind: str  # "config", "layer" or "manifest"
    digest: str
    media_type: str
    size: int


@dataclass(frozen=True)
class ParsedManifest:
    media_type: str
    references: list[Reference] = field(default_factory=list)
    subject: str | None = None
    artifact_type: str | None = None
    annotations: dict[str, str] | None = None
