"""Steps the upload tests share: start an upload as the admin, and name its digest."""

from __future__ import annotations

from tests.conftest import ADMIN_PASSWORD, InProcessWharf

SCOPE = "repository:admin/app:pull,push"


async def start_upload(wharf: InProcessWharf) -> tuple[dict[str, str], str]:
    """Open an upload in ``admin/app``: the admin's auth headers and its ``Location``."""
    h = await wharf.bearer("admin", ADMIN_PASSWORD, SCOPE)
    r = await wharf.client.post("/v2/admin/app/blobs/uploads/", headers=h)
    assert r.status_code == 202
    return h, r.headers["Location"]


def with_digest(location: str, digest: str) -> str:
    """``location`` with the ``digest`` parameter that completes the upload."""
    return f"{location}{'&' if '?' in location else '?'}digest={digest}"
