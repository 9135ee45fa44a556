"""How the UI is served: ``/`` → ``/ui/``, static files with a strict CSP."""

from __future__ import annotations

import pytest

from tests.common.wharf import WharfServer

pytestmark = pytest.mark.integration


def test_root_redirects_to_the_ui(ui_server: WharfServer) -> None:
    with ui_server.client(auth=None) as client:
        for path in ("/", "/ui"):
            response = client.get(path)
            assert response.status_code == 302
            assert response.headers["location"] == "/ui/"


def test_static_files_with_security_headers(ui_server: WharfServer) -> None:
    with ui_server.client(auth=None) as client:
        index = client.get("/ui/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="js/app.js">' in index.text
        csp = index.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert index.headers["cache-control"] == "no-cache"
        assert index.headers["x-content-type-options"] == "nosniff"
        script = client.get("/ui/js/pages/repositories.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert client.get("/ui/js/nope.js").status_code == 404
        assert client.get("/ui/../pyproject.toml").status_code == 404
