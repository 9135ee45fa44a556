"""LDAP settings without a directory: DN handling, the choice of server by domain,
sealed secrets, member sets, and when the periodic sync is due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wharf.access.interfaces import InvalidInput
from wharf.access.ldap.client import Directory, MemberSet
from wharf.access.ldap.config import (
    LdapConfig,
    LdapServer,
    SecretBox,
    UserSearch,
    config_from_json,
    config_view,
    load_config,
    normalize_dn,
    save_config,
)
from wharf.access.ldap.service import LdapService
from wharf.access.ldap.sync import save_state
from wharf.core.db import Database


def test_dns_are_compared_in_one_spelling() -> None:
    assert normalize_dn("UID=Alice, OU=People,dc=Example,DC=org") == (
        "uid=alice,ou=people,dc=example,dc=org"
    )
    assert normalize_dn("cn=a\\,b,dc=x") == "cn=a\\,b,dc=x"


def test_the_longest_matching_domain_picks_the_server() -> None:
    default = LdapServer("ldap://default")
    sub = LdapServer("ldap://sub", domain="dc=sub,dc=example,dc=org")
    org = LdapServer("ldap://org", domain="DC=example, DC=org")
    directory = Directory(LdapConfig(servers=[default, org, sub]))
    assert directory.server_for("ou=people,dc=sub,dc=example,dc=org") is sub
    assert directory.server_for("ou=people,dc=example,dc=org") is org
    assert directory.server_for("dc=example,dc=org") is org
    assert directory.server_for("ou=people,dc=other,dc=com") is default
    # A domain must match whole RDNs, not a string suffix.
    assert directory.server_for("dc=notsub,dc=example,dc=org") is org


def test_member_sets_hold_dns_and_names() -> None:
    members = MemberSet()
    for value in ("uid=Alice,ou=people,dc=x", "bob", ""):
        members.add(value)
    assert members.contains("UID=alice, ou=People,dc=x", "whoever")
    assert members.contains(None, "Bob")
    assert not members.contains("uid=carol,dc=x", "carol")


def test_secrets_are_sealed_and_need_the_same_key() -> None:
    box = SecretBox.derived_from(b"material", b"purpose")
    sealed = box.seal("s3cret")
    assert "s3cret" not in sealed
    assert box.seal("s3cret") != sealed  # fresh nonce
    assert box.open(sealed) == "s3cret"
    assert SecretBox.derived_from(b"other", b"purpose").open(sealed) is None
    assert box.open("garbage!") is None


def test_settings_round_trip_through_storage(db: Database) -> None:
    box = SecretBox.derived_from(b"k", b"p")
    config = config_from_json(
        {
            "enabled": True,
            "servers": [
                {"url": "ldaps://ldap.example.org", "readerDN": "cn=r,dc=x", "readerPassword": "pw"}
            ],
            "userSearchConfigs": [{"baseDN": "ou=people,dc=x", "filter": "(objectClass=person)"}],
        },
        LdapConfig(),
    )
    db.call(save_config, box, config)
    loaded = db.call(load_config, box)
    assert loaded == config
    assert loaded.user_searches == [UserSearch("ou=people,dc=x", filter="(objectClass=person)")]
    # Under another key the password is unreadable (so reported as missing), not garbage.
    other = db.call(load_config, SecretBox.derived_from(b"k2", b"p"))
    assert other.servers[0].reader_password == ""
    assert config_view(other)["servers"][0]["hasReaderPassword"] is False


def test_enabling_requires_servers_and_searches() -> None:
    with pytest.raises(InvalidInput, match="at least one server"):
        config_from_json({"enabled": True}, LdapConfig())


def test_the_periodic_sync_is_due_at_the_top_of_the_hour(db: Database) -> None:
    service = LdapService(db, SecretBox.derived_from(b"k", b"p"))
    config = LdapConfig(
        enabled=True,
        servers=[LdapServer("ldap://x")],
        user_searches=[UserSearch("dc=x")],
        sync_interval_hours=2,
    )
    db.call(service.save, config)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2030, 1, 1, hour, minute, tzinfo=UTC)

    # Never synced: the first run is at the first top of the hour after the interval.
    assert not service._due(at(10, 37))
    assert not service._due(at(11, 59))
    assert service._due(at(12, 0))
    # After a sync started at 12:05, the next is due at 14:00.
    db.call(save_state, {"last": {"startedAt": at(12, 5).isoformat()}})
    assert not service._due(at(13, 59))
    assert service._due(at(14, 0))
    # Disabled: never due.
    config.enabled = False
    db.call(service.save, config)
    assert not service._due(at(20))
