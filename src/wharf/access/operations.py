"""Every control-plane operation, spelled once, with the sub-options it can carry.

Names are exactly those of the UCP roles API and UI ("Container Create", sub-option
"Host Bind Mounts"), so role payloads written for UCP work unchanged. ``Container Update``
is ours: UCP's catalogue has no operation for ``docker update``.
"""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    CONFIG_CREATE = "Config Create"
    CONFIG_DELETE = "Config Delete"
    CONFIG_UPDATE = "Config Update"
    CONFIG_USE = "Config Use"
    CONFIG_VIEW = "Config View"

    CONTAINER_ATTACH = "Container Attach"
    CONTAINER_CHANGES = "Container Changes"
    CONTAINER_CONNECT = "Container Connect"
    CONTAINER_CREATE = "Container Create"
    CONTAINER_DISCONNECT = "Container Disconnect"
    CONTAINER_EXEC = "Container Exec"
    CONTAINER_EXPORT = "Container Export"
    CONTAINER_FS_READ = "Container Filesystem Read"
    CONTAINER_FS_WRITE = "Container Filesystem Write"
    CONTAINER_KILL = "Container Kill"
    CONTAINER_LOGS = "Container Logs"
    CONTAINER_PAUSE = "Container Pause"
    CONTAINER_REMOVE = "Container Remove"
    CONTAINER_RENAME = "Container Rename"
    CONTAINER_RESIZE = "Container Resize"
    CONTAINER_RESTART = "Container Restart"
    CONTAINER_START = "Container Start"
    CONTAINER_STATS = "Container Stats"
    CONTAINER_STOP = "Container Stop"
    CONTAINER_TOP = "Container Top"
    CONTAINER_UNPAUSE = "Container Unpause"
    CONTAINER_UPDATE = "Container Update"
    CONTAINER_VIEW = "Container View"
    CONTAINER_WAIT = "Container Wait"

    IMAGE_BUILD = "Image Build"
    IMAGE_COMMIT = "Image Commit"
    IMAGE_CREATE = "Image Create"
    IMAGE_EXPORT = "Image Export"
    IMAGE_HISTORY = "Image History"
    IMAGE_LOAD = "Image Load"
    IMAGE_PRUNE = "Image Prune"
    IMAGE_PUSH = "Image Push"
    IMAGE_REMOVE = "Image Remove"
    IMAGE_SEARCH = "Image Search"
    IMAGE_TAG = "Image Tag"
    IMAGE_VIEW = "Image View"

    NETWORK_CONNECT = "Network Connect"
    NETWORK_CREATE = "Network Create"
    NETWORK_DISCONNECT = "Network Disconnect"
    NETWORK_REMOVE = "Network Remove"
    NETWORK_VIEW = "Network View"

    NODE_SCHEDULE = "Node Schedule"
    NODE_UPDATE = "Node Update"
    NODE_VIEW = "Node View"

    SECRET_CREATE = "Secret Create"
    SECRET_DELETE = "Secret Delete"
    SECRET_UPDATE = "Secret Update"
    SECRET_USE = "Secret Use"
    SECRET_VIEW = "Secret View"

    SERVICE_CREATE = "Service Create"
    SERVICE_DELETE = "Service Delete"
    SERVICE_LOGS = "Service Logs"
    SERVICE_UPDATE = "Service Update"
    SERVICE_VIEW = "Service View"
    SERVICE_VIEW_TASKS = "Service View Tasks"

    VOLUME_CREATE = "Volume Create/Attach"
    VOLUME_REMOVE = "Volume Remove"
    VOLUME_VIEW = "Volume View"


class SubOption(StrEnum):
    IPC_MODE = "IPC Mode"
    PID_MODE = "PID Mode"
    HOST_NETWORKING = "Host Networking Mode"
    BRIDGE_NETWORKING = "Bridge Networking Mode"
    PRIVILEGED = "Privileged"
    HOST_BIND_MOUNTS = "Host Bind Mounts"
    KERNEL_CAPABILITIES = "Additional Kernel Capabilities"
    USER_NAMESPACE_MODE = "User Namespace Mode"
    FORCE_REMOVE = "Force Remove"
    ATTACHABLE = "Attachable"
    CREDENTIAL_SPEC = "Credential Spec"
    LOCAL_DRIVER_OPTIONS = "Local Driver Options"


_CONTAINER_CREATE_OPTIONS = (
    SubOption.IPC_MODE,
    SubOption.PID_MODE,
    SubOption.HOST_NETWORKING,
    SubOption.BRIDGE_NETWORKING,
    SubOption.PRIVILEGED,
    SubOption.HOST_BIND_MOUNTS,
    SubOption.KERNEL_CAPABILITIES,
    SubOption.USER_NAMESPACE_MODE,
)
# "Additional Kernel Capabilities" on services is ours: UCP predates CapabilityAdd in
# service specs (API 1.41), and a capability is as host-affecting there as on a container.
_SERVICE_OPTIONS = (
    SubOption.CREDENTIAL_SPEC,
    SubOption.HOST_BIND_MOUNTS,
    SubOption.HOST_NETWORKING,
    SubOption.BRIDGE_NETWORKING,
    SubOption.KERNEL_CAPABILITIES,
)

# Sub-options each operation can carry; operations not listed carry none.
SUB_OPTIONS: dict[Operation, tuple[SubOption, ...]] = {
    Operation.CONTAINER_CREATE: _CONTAINER_CREATE_OPTIONS,
    Operation.IMAGE_REMOVE: (SubOption.FORCE_REMOVE,),
    Operation.NETWORK_CREATE: (SubOption.ATTACHABLE,),
    Operation.SERVICE_CREATE: _SERVICE_OPTIONS,
    Operation.SERVICE_UPDATE: _SERVICE_OPTIONS,
    Operation.VOLUME_CREATE: (SubOption.LOCAL_DRIVER_OPTIONS,),
}


def resource_type(operation: Operation) -> str:
    """ "Container Create" → "Container"; "Volume Create/Attach" → "Volume"."""
    return operation.value.split(" ", 1)[0]


RESOURCE_TYPES: tuple[str, ...] = tuple(dict.fromkeys(resource_type(op) for op in Operation))
