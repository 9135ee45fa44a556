"""Helpers shared by the test suites: real daemons (dockerd, PostgreSQL, ``wharf up``)
started as subprocesses, and small clients for the registry API and OCI layouts."""
