"""The control plane: the Docker API endpoint (a TLS proxy in front of the engine),
its certificate authority and client bundles."""
