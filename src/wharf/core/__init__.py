"""Shared plumbing: settings, database, logging, metrics and the application factory."""
