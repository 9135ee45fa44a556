"""Per-kind request handlers of the Docker API proxy."""
