"""What a create or update request asks of the host, read from its spec.

Every field that lets a workload reach the node maps to a sub-option of the create or
update operation (privileged, capabilities and devices, host bind mounts in every
spelling, host namespaces, local volume driver options that bind host paths), and every
named object it uses (volumes, networks, secrets, configs, other containers) must be
checked on its own collection. Portainer's history shows why this lives in the API and
covers every path: checks done in one place only were bypassed through another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wharf.access.operations import SubOption

S = SubOption

# Mount types that expose the host filesystem.
_HOST_MOUNT_TYPES = frozenset({"bind", "npipe"})
# Local-driver options that make a "volume" a bind of a host path.
_BIND_OPTIONS = frozenset({"device", "o", "type"})


@dataclass
class Needs:
    sub_options: set[SubOption] = field(default_factory=set)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    # A volume mount carrying local driver options (may bind a host path).
    volume_driver_options: bool = False


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mounts(mounts: list[Any], needs: Needs) -> None:
    for mount in mounts:
        mount = _dict(mount)
        kind = str(mount.get("Type", "volume")).lower()
        if kind in _HOST_MOUNT_TYPES:
            needs.sub_options.add(S.HOST_BIND_MOUNTS)
        elif kind == "volume":
            options = _dict(mount.get("VolumeOptions"))
            driver = _dict(options.get("DriverConfig"))
            if driver.get("Options") and driver.get("Name", "local") in ("", "local"):
                needs.volume_driver_options = True
            if mount.get("Source"):
                needs.volumes.append(str(mount["Source"]))


def _namespace_mode(value: Any, host_option: SubOption, needs: Needs) -> None:
    mode = str(value or "")
    if mode == "host":
        needs.sub_options.add(host_option)
    elif mode.startswith("container:"):
        needs.sub_options.add(host_option)
        needs.containers.append(mode.split(":", 1)[1])


def _lifts_confinement(opt: str) -> bool:
    """A ``--security-opt`` that may loosen the container's confinement: seccomp off or
    a profile of the caller's (it may allow every syscall, as unconfined does), another
    AppArmor profile than Docker's, SELinux off or another domain type."""
    separator = "=" if "=" in opt else ":"
    key, _, value = opt.partition(separator)
    key, value = key.strip().lower(), value.strip()
    if key == "no-new-privileges":
        return False
    if key == "seccomp":
        return value not in ("", "builtin")
    if key == "apparmor":
        return value not in ("", "docker-default")
    if key == "label":
        return value == "disable" or value.startswith(("type:", "type="))
    return "unconfined" in opt


def container_needs(body: dict[str, Any]) -> Needs:
    """Needs of ``POST /containers/create``."""
    needs = Needs()
    host = _dict(body.get("HostConfig"))
    if host.get("Privileged"):
        needs.sub_options.add(S.PRIVILEGED)
    if _list(host.get("CapAdd")) or _list(host.get("Devices")) or _list(host.get("DeviceRequests")):
        needs.sub_options.add(S.KERNEL_CAPABILITIES)
    for opt in _list(host.get("SecurityOpt")):
        if _lifts_confinement(str(opt)):
            needs.sub_options.add(S.PRIVILEGED)
    for bind in _list(host.get("Binds")):
        source = str(bind).split(":", 1)[0]
        if source.startswith(("/", ".", "~")) or "\\" in source:
            needs.sub_options.add(S.HOST_BIND_MOUNTS)
        elif source:
            needs.volumes.append(source)
    _mounts(_list(host.get("Mounts")), needs)
    for source in _list(host.get("VolumesFrom")):
        needs.containers.append(str(source).split(":", 1)[0])
    network_mode = str(host.get("NetworkMode") or "default")
    if network_mode == "host":
        needs.sub_options.add(S.HOST_NETWORKING)
    elif network_mode in ("default", "bridge"):
        needs.sub_options.add(S.BRIDGE_NETWORKING)
    elif network_mode.startswith("container:"):
        needs.containers.append(network_mode.split(":", 1)[1])
    elif network_mode != "none":
        needs.networks.append(network_mode)
    _namespace_mode(host.get("IpcMode"), S.IPC_MODE, needs)
    _namespace_mode(host.get("PidMode"), S.PID_MODE, needs)
    if str(host.get("UsernsMode") or "") == "host":
        needs.sub_options.add(S.USER_NAMESPACE_MODE)
    if str(host.get("UTSMode") or "") == "host":
        needs.sub_options.add(S.HOST_NETWORKING)
    if str(host.get("CgroupnsMode") or "") == "host" or host.get("CgroupParent"):
        needs.sub_options.add(S.PRIVILEGED)
    endpoints = _dict(_dict(body.get("NetworkingConfig")).get("EndpointsConfig"))
    for name in endpoints:
        if name in ("bridge", "default"):
            needs.sub_options.add(S.BRIDGE_NETWORKING)
        elif name == "host":
            needs.sub_options.add(S.HOST_NETWORKING)
        elif name not in needs.networks and name != network_mode:
            needs.networks.append(name)
    return needs


def service_needs(spec: dict[str, Any]) -> Needs:
    """Needs of a service spec (``POST /services/create`` and ``/update``)."""
    needs = Needs()
    template = _dict(spec.get("TaskTemplate"))
    container = _dict(template.get("ContainerSpec"))
    _mounts(_list(container.get("Mounts")), needs)
    privileges = _dict(container.get("Privileges"))
    if privileges.get("CredentialSpec"):
        needs.sub_options.add(S.CREDENTIAL_SPEC)
    if _list(container.get("CapabilityAdd")):
        needs.sub_options.add(S.KERNEL_CAPABILITIES)
    selinux = _dict(privileges.get("SELinuxContext"))
    if (
        str(_dict(privileges.get("Seccomp")).get("Mode", "")).lower() in ("unconfined", "custom")
        or str(_dict(privileges.get("AppArmor")).get("Mode", "")).lower() == "disabled"
        or selinux.get("Disable")
        or selinux.get("Type")
    ):
        needs.sub_options.add(S.KERNEL_CAPABILITIES)
    for secret in _list(container.get("Secrets")):
        ident = _dict(secret).get("SecretID") or _dict(secret).get("SecretName")
        if ident:
            needs.secrets.append(str(ident))
    for config in _list(container.get("Configs")):
        ident = _dict(config).get("ConfigID") or _dict(config).get("ConfigName")
        if ident:
            needs.configs.append(str(ident))
    for attachment in _list(template.get("Networks")) + _list(spec.get("Networks")):
        target = str(_dict(attachment).get("Target", ""))
        if target == "host":
            needs.sub_options.add(S.HOST_NETWORKING)
        elif target == "bridge":
            needs.sub_options.add(S.BRIDGE_NETWORKING)
        elif target:
            needs.networks.append(target)
    return needs


def volume_create_needs(body: dict[str, Any]) -> set[SubOption]:
    """``POST /volumes/create``: options of the local driver can bind a host path."""
    driver = str(body.get("Driver") or "local")
    if driver == "local" and _dict(body.get("DriverOpts")):
        return {S.LOCAL_DRIVER_OPTIONS}
    return set()
