"""LDAP / Active Directory: logins through the directory (with just-in-time accounts),
user, admin and team member sync, and their settings API (§1.2, §1.3 of the
control-plane reference)."""

from __future__ import annotations

from wharf.access.ldap.service import LdapService, SyncJob, SyncRunning

__all__ = ["LdapService", "SyncJob", "SyncRunning"]
