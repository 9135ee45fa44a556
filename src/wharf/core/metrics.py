"""Prometheus metrics, defined once here so every domain records into the same names."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """A registry per app so tests can build several apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "wharf_http_requests_total",
            "HTTP requests served, by route, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "wharf_http_request_duration_seconds",
            "Time from request start to the last response byte handed to the server.",
            ["route", "method"],
            buckets=(
                0.0005,
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
            ),
            registry=self.registry,
        )
        self.bytes_received = Counter(
            "wharf_registry_bytes_received_total",
            "Blob bytes received by uploads.",
            registry=self.registry,
        )
        self.bytes_sent = Counter(
            "wharf_registry_bytes_sent_total",
            "Blob and manifest bytes sent to clients.",
            registry=self.registry,
        )
        self.uploads_in_flight = Gauge(
            "wharf_registry_uploads_in_flight",
            "Upload requests (POST, PATCH, PUT with a body) currently receiving data.",
            registry=self.registry,
        )
        self.storage_errors = Counter(
            "wharf_storage_errors_total",
            "Errors raised by the blob storage driver, by operation.",
            ["driver", "operation"],
            registry=self.registry,
        )
