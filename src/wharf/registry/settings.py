"""The registry's admin settings section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from wharf.core.settings_store import InvalidSetting, Section


@dataclass
class RegistrySettings(Section):
    """``[registry]``: whether a push to a repository that does not exist creates it
    (private) — otherwise repositories are created through the API first."""

    KEY: ClassVar[str] = "registry"
    create_repository_on_push: bool = True
    # Uploads untouched this long are abandoned: their bytes and rows are purged.
    stale_upload_hours: int = 24

    def validate(self) -> None:
        if self.stale_upload_hours < 1:
            raise InvalidSetting("registry.stale_upload_hours: at least 1")
