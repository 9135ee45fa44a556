"""The one place that builds storage keys. The whole layout::

    /blobs/<algorithm>/<first two hex>/<hex>    content, written once, by digest
    /uploads/<upload id>                        bytes of an upload in progress

One file per blob or upload (no directory each): creating a directory is a metadata
write, which small-blob pushes would pay on every request.

Blobs are stored once per registry, whatever the number of repositories that link them;
which repository may read which blob is recorded in the metadata database.
"""

from __future__ import annotations


def blob_data_path(algorithm: str, hex_digest: str) -> str:
    return f"/blobs/{algorithm}/{hex_digest[:2]}/{hex_digest}"


def upload_data_path(upload_id: str) -> str:
    return f"/uploads/{upload_id}"
