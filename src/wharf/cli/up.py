"""``wharf up``: the whole platform in one process on the embedded defaults."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import click

from wharf.cli.options import server_options, settings_from
from wharf.core.app import build_services, create_app
from wharf.core.bootstrap import bootstrap
from wharf.core.config import Settings
from wharf.core.logging import configure_logging, get_logger

log = get_logger("up")


@click.command()
@click.option(
    "--listen",
    envvar="WHARF_LISTEN",
    default=None,
    help="host:port to serve the registry, API and UI on. [default: 127.0.0.1:5000]",
)
@server_options
@click.option(
    "--public-url",
    envvar="WHARF_PUBLIC_URL",
    default=None,
    help="URL clients use to reach Wharf (token realm); derived from requests if unset.",
)
@click.option(
    "--log-format",
    type=click.Choice(["json", "text"]),
    default=None,
    envvar="WHARF_LOG_FORMAT",
    help="Log line format. [default: json]",
)
def up(
    listen: str | None,
    data_dir: Path | None,
    database_url: str | None,
    public_url: str | None,
    log_format: str | None,
) -> None:
    """Run Wharf: registry, token service and health endpoints in one process.

    On first start the admin account is created with the password in
    WHARF_ADMIN_PASSWORD, or a generated one that is printed once.
    """
    settings = settings_from(
        listen=listen,
        data_dir=data_dir,
        database_url=database_url,
        public_url=public_url,
        log_format=log_format,
    )
    configure_logging(settings.log_level, settings.log_format)
    services = build_services(settings)
    result = bootstrap(settings, services.db)
    base = settings.public_url or f"http://{settings.listen}"
    click.echo(f"Wharf is starting on {base}")
    click.echo(f"  registry:  {base}/v2/   (docker login {settings.listen})")
    click.echo(f"  health:    {base}/_ping")
    click.echo(f"  metrics:   {base}/metrics")
    click.echo(f"  data:      {settings.data_dir.resolve()}")
    if result.generated_admin_password:
        click.echo(
            "  admin password (shown once, change it after login): "
            f"{result.generated_admin_password}"
        )
    sys.stdout.flush()
    app = create_app(settings, services)
    try:
        import uvloop

        uvloop.run(_serve(settings, app))
    except ImportError:  # pragma: no cover - uvloop is a dependency
        asyncio.run(_serve(settings, app))
    services.db.dispose()
    click.echo("Wharf stopped")


async def _serve(settings: Settings, app: object) -> None:
    import logging

    from granian.constants import Interfaces
    from granian.server.embed import Server

    # The embedded server announces itself as experimental on every start; we rely on
    # it deliberately (one process, no spawn), so keep that line out of our logs.
    logging.getLogger("_granian").setLevel(logging.ERROR)
    server = Server(
        app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGINL,
        log_enabled=False,
        backlog=1024,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.stop)
    log.info("serving", extra={"listen": settings.listen})
    await server.serve()
