"""What container and service specs ask of the host (the sub-options enforced)."""

from __future__ import annotations

from typing import Any

import pytest

from wharf.access.operations import SubOption
from wharf.control.specs import container_needs, service_needs, volume_create_needs

S = SubOption


@pytest.mark.parametrize(
    ("host_config", "expected"),
    [
        ({}, {S.BRIDGE_NETWORKING}),
        ({"NetworkMode": "none"}, set()),
        ({"NetworkMode": "none", "Privileged": True}, {S.PRIVILEGED}),
        ({"NetworkMode": "none", "CapAdd": ["NET_ADMIN"]}, {S.KERNEL_CAPABILITIES}),
        ({"NetworkMode": "none", "Devices": [{"PathOnHost": "/dev/kvm"}]}, {S.KERNEL_CAPABILITIES}),
        ({"NetworkMode": "none", "Binds": ["/:/host"]}, {S.HOST_BIND_MOUNTS}),
        ({"NetworkMode": "none", "Binds": ["data:/data"]}, set()),
        (
            {"NetworkMode": "none", "Mounts": [{"Type": "bind", "Source": "/etc", "Target": "/x"}]},
            {S.HOST_BIND_MOUNTS},
        ),
        ({"NetworkMode": "host"}, {S.HOST_NETWORKING}),
        ({"NetworkMode": "none", "PidMode": "host"}, {S.PID_MODE}),
        ({"NetworkMode": "none", "IpcMode": "host"}, {S.IPC_MODE}),
        ({"NetworkMode": "none", "UsernsMode": "host"}, {S.USER_NAMESPACE_MODE}),
        ({"NetworkMode": "none", "SecurityOpt": ["seccomp=unconfined"]}, {S.PRIVILEGED}),
    ],
)
def test_container_sub_options(host_config: dict[str, Any], expected: set[SubOption]) -> None:
    assert container_needs({"HostConfig": host_config}).sub_options == expected


def test_container_references() -> None:
    needs = container_needs(
        {
            "HostConfig": {
                "NetworkMode": "backend",
                "Binds": ["cache:/cache"],
                "Mounts": [
                    {
                        "Type": "volume",
                        "Source": "data",
                        "Target": "/d",
                        "VolumeOptions": {
                            "DriverConfig": {"Name": "local", "Options": {"o": "bind"}}
                        },
                    }
                ],
                "VolumesFrom": ["other:ro"],
            },
            "NetworkingConfig": {"EndpointsConfig": {"frontend": {}}},
        }
    )
    assert needs.networks == ["backend", "frontend"]
    assert needs.volumes == ["cache", "data"]
    assert needs.containers == ["other"]
    assert needs.volume_driver_options


def test_service_needs() -> None:
    spec = {
        "TaskTemplate": {
            "ContainerSpec": {
                "Mounts": [{"Type": "bind", "Source": "/etc", "Target": "/x"}],
                "Secrets": [{"SecretID": "s1", "SecretName": "db_pw"}],
                "Configs": [{"ConfigName": "conf"}],
                "CapabilityAdd": ["SYS_ADMIN"],
                "Privileges": {"CredentialSpec": {"File": "spec.json"}},
            },
            "Networks": [{"Target": "backend"}, {"Target": "host"}],
        }
    }
    needs = service_needs(spec)
    assert needs.sub_options == {
        S.HOST_BIND_MOUNTS,
        S.KERNEL_CAPABILITIES,
        S.CREDENTIAL_SPEC,
        S.HOST_NETWORKING,
    }
    assert (needs.secrets, needs.configs, needs.networks) == (["s1"], ["conf"], ["backend"])


def test_local_volume_options_bind_host_paths() -> None:
    assert volume_create_needs(
        {"Driver": "local", "DriverOpts": {"type": "none", "o": "bind", "device": "/"}}
    ) == {S.LOCAL_DRIVER_OPTIONS}
    assert volume_create_needs({"Driver": "local"}) == set()
    assert volume_create_needs({"Driver": "nfs-plugin", "DriverOpts": {"x": "y"}}) == set()
