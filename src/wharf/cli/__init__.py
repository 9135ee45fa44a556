"""The ``wharf`` command."""
