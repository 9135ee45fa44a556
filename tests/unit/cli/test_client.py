"""The credential store and URL handling, without a server."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
import pytest

from wharf.cli.client import (
    Credentials,
    credentials_path,
    load_credentials,
    normalize_url,
    remove_credentials,
    save_credentials,
)


def test_credentials_path_follows_xdg_and_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHARF_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert credentials_path() == tmp_path / "home" / ".config" / "wharf" / "credentials.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert credentials_path() == tmp_path / "xdg" / "wharf" / "credentials.json"
    monkeypatch.setenv("WHARF_CONFIG", str(tmp_path / "elsewhere.json"))
    assert credentials_path() == tmp_path / "elsewhere.json"


def test_save_load_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHARF_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_credentials() is None
    creds = Credentials("http://127.0.0.1:5000", "alice", "s3cr3t")
    path = save_credentials(creds)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_credentials() == creds
    # Replaced, not appended to; still private.
    save_credentials(Credentials("http://127.0.0.1:5000", "bob", "other"))
    assert json.loads(path.read_text())["username"] == "bob"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert remove_credentials() is True
    assert remove_credentials() is False


def test_corrupt_credentials_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials.json"
    path.write_text("{not json")
    monkeypatch.setenv("WHARF_CONFIG", str(path))
    with pytest.raises(click.ClickException, match="run wharf login"):
        load_credentials()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("localhost:5000", "http://localhost:5000"),
        ("127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("wharf.example.com", "https://wharf.example.com"),
        ("http://wharf.example.com:8080", "http://wharf.example.com:8080"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_normalize_url_refuses_other_schemes() -> None:
    with pytest.raises(click.BadParameter):
        normalize_url("ftp://example.com")
