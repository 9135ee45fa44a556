"""The registry's admin settings section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from wharf.core.settings_store import Section


@dataclass
class RegistrySettings(Section):
    """``[registry]``: whether a push to a repository that does not exist creates it
    (private) — otherwise repositories are created through the API first."""

    KEY: ClassVar[str] = "registry"
    create_repository_on_push: bool = True
