"""Client bundles for tests: log in, download ``/api/clientbundle``, unzip it, and run the
real ``docker`` CLI with the bundle's environment (as ``eval "$(<env.sh)"`` would)."""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

# Variables of the caller's environment that would point the CLI somewhere else.
_CLIENT_VARIABLES = (
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_TLS",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CONFIG",
    "DOCKER_BUILDKIT",
    "DOCKER_API_VERSION",
)


def clean_environment(extra: dict[str, str]) -> dict[str, str]:
    """``os.environ`` without any docker client settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _CLIENT_VARIABLES}
    env["DOCKER_CLI_HINTS"] = "false"
    env.update(extra)
    return env


@dataclass
class ClientBundle:
    """An unzipped bundle: ``env`` is what ``env.sh`` exports (with ``DOCKER_CERT_PATH``
    the bundle directory) plus a private ``DOCKER_CONFIG``."""

    user: str
    directory: Path
    env: dict[str, str]

    @property
    def public_key(self) -> str:
        """The PEM public key registered for this bundle (``cert.pub``)."""
        return (self.directory / "cert.pub").read_text().strip()

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return clean_environment({**self.env, **(extra or {})})

    def docker(
        self,
        *args: str,
        input: str | None = None,
        timeout: float = 120,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> tuple[int, str, str]:
        """Run ``docker ARGS`` with this bundle: (exit code, stdout, stderr)."""
        result = subprocess.run(
            ["docker", *args],
            env=self.environ(env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
        )
        return result.returncode, result.stdout, result.stderr

    def ok(self, *args: str, **kwargs: object) -> str:
        """``docker ARGS`` that must succeed: its stdout."""
        rc, out, err = self.docker(*args, **kwargs)  # type: ignore[arg-type]
        assert rc == 0, f"docker {' '.join(args)} as {self.user} failed ({rc}):\n{out}\n{err}"
        return out

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen[str]:
        """``docker ARGS`` running in the background (pipes for all three streams unless
        given)."""
        options: dict[str, object] = {
            "stdin": subprocess.PIPE,
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "text": True,
            "env": self.environ(),
            **kwargs,
        }
        return subprocess.Popen(["docker", *args], **options)  # type: ignore[call-overload,no-any-return]


def login(base_url: str, username: str, password: str) -> str:
    """``POST /auth/login``: a session token."""
    response = httpx.post(
        f"{base_url}/auth/login", json={"username": username, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return str(response.json()["auth_token"])


def parse_env_sh(text: str, directory: Path) -> dict[str, str]:
    env = {}
    for line in text.splitlines():
        if not line.startswith("export "):
            continue
        key, _, value = line[len("export ") :].partition("=")
        env[key] = str(directory) if value == "$PWD" else value.strip('"')
    return env


def download_bundle(base_url: str, token: str, user: str, directory: Path) -> ClientBundle:
    """``POST /api/clientbundle`` with a session token, unzipped into ``directory``."""
    response = httpx.post(
        f"{base_url}/api/clientbundle",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(directory)
    env = parse_env_sh((directory / "env.sh").read_text(), directory)
    assert env["DOCKER_TLS_VERIFY"] == "1" and env["DOCKER_HOST"].startswith("tcp://"), env
    config = directory / "docker-config"
    config.mkdir(exist_ok=True)
    env["DOCKER_CONFIG"] = str(config)
    return ClientBundle(user, directory, env)
