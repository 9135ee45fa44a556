"""The web UI (static single-page app) and the routes that serve it."""
