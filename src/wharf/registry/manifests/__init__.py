"""Manifests: one small handler per media type behind a dispatch table, and the service
that stores, fetches and deletes them.

Every handler turns the exact bytes a client sent into a :class:`ParsedManifest` — the
blobs and manifests it references, its subject and artifact type — or raises
MANIFEST_INVALID with a message that says what is wrong.
"""

from wharf.registry.manifests.parsed import ParsedManifest, Reference
from wharf.registry.manifests.parsing import MANIFEST_MEDIA_TYPES, parse_manifest

__all__ = ["MANIFEST_MEDIA_TYPES", "ParsedManifest", "Reference", "parse_manifest"]
