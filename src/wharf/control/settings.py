"""The control plane's admin settings sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from wharf.core.settings_store import InvalidSetting, Section


@dataclass
class SchedulerSettings(Section):
    """``[scheduling_configuration]``: whether workloads may land on managers (the
    ``/System`` nodes). Single-node clusters need the user switch on, since their only
    node is a manager."""

    KEY: ClassVar[str] = "scheduling_configuration"
    enable_admin_ucp_scheduling: bool = True
    enable_user_ucp_scheduling: bool = False


@dataclass
class AuditSettings(Section):
    """``[audit_log_configuration]``: "" (off), "metadata" (who, what, where, decision)
    or "request" (metadata plus the request body)."""

    KEY: ClassVar[str] = "audit_log_configuration"
    level: str = "metadata"
    support_dump_include_audit_logs: bool = False

    def validate(self) -> None:
        if self.level not in ("", "metadata", "request"):
            raise InvalidSetting('audit_log_configuration.level: "", "metadata" or "request"')


@dataclass
class LoggingSettings(Section):
    """``[log_configuration]``: the level of Wharf's own logs."""

    KEY: ClassVar[str] = "log_configuration"
    level: str = "INFO"

    def validate(self) -> None:
        if self.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise InvalidSetting("log_configuration.level: DEBUG, INFO, WARNING or ERROR")
