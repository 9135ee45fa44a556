"""Wharf: a self-hosted enterprise container platform.

The trusted registry, the control plane in front of a Docker Swarm and the lifecycle CLI
share one codebase; each domain lives in its own package (``access``, ``registry``,
``control``, ...) and shared plumbing lives in ``core``.
"""

__version__ = "0.1.0"
