"""``wharf up``: the whole platform in one process on the embedded defaults."""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from pathlib import Path
from typing import Any

import click

from wharf.cli.options import server_options, settings_from
from wharf.core.allocator import retain_freed_memory
from wharf.core.app import Services, build_services, create_app
from wharf.core.bootstrap import bootstrap
from wharf.core.config import Settings
from wharf.core.logging import configure_logging, get_logger

log = get_logger("up")

# How much of a request body granian reads from a connection before handing it over:
# the size of the chunks a push arrives in. Measured in eight paired rounds of eight
# concurrent 16 MiB pushes against granian's default (408 KiB): 7 % more throughput and
# 4 % less server CPU per MiB; 4 MiB was no better, and single pushes are unchanged.
HTTP1_READ_BUFFER = 1024 * 1024


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
    "--docker-listen",
    envvar="WHARF_DOCKER_LISTEN",
    default=None,
    help="host:port to serve the Docker API on (TLS; client bundles or Bearer tokens). "
    "Not served when unset.",
)
@click.option(
    "--engine",
    envvar="WHARF_ENGINE",
    default=None,
    help="The swarm manager engine the control plane drives. [default: unix:///var/run/docker.sock]",
)
@click.option(
    "--node-engine",
    "node_engines",
    multiple=True,
    envvar="WHARF_NODE_ENGINES",
    help="HOSTNAME=ADDRESS of a node's engine (repeatable); containers are placed on the "
    "nodes their owner may schedule on. Without any, containers run on --engine.",
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
    docker_listen: str | None,
    engine: str | None,
    node_engines: tuple[str, ...],
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
        docker_listen=docker_listen,
        engine=engine,
        node_engines=",".join(node_engines) or None,
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
    click.echo(f"  web UI:    {base}/ui/")
    if settings.docker_listen:
        click.echo(
            f"  docker:    tcp://{settings.docker_listen} (TLS; download a client bundle "
            f"from {base}/api/clientbundle)"
        )
    click.echo(f"  data:      {settings.data_dir.resolve()}")
    if result.generated_admin_password:
        click.echo(
            "  admin password (shown once, change it after login): "
            f"{result.generated_admin_password}"
        )
    sys.stdout.flush()
    app = create_app(settings, services)
    retain_freed_memory()
    try:
        import uvloop

        uvloop.run(_serve(settings, app, services))
    except ImportError:  # pragma: no cover - uvloop is a dependency
        asyncio.run(_serve(settings, app, services))
    services.db.dispose()
    click.echo("Wharf stopped")


async def _serve(settings: Settings, app: object, services: Services) -> None:
    import logging

    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
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
        http1_settings=HTTP1Settings(max_buffer_size=HTTP1_READ_BUFFER),
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.stop)
    control = services.control
    background: list[asyncio.Task[None]] = [asyncio.ensure_future(_purge_uploads(services))]
    if settings.docker_listen:
        await open_single_node(services)
        host, port = settings.docker_listen.rsplit(":", 1)
        await control.proxy.start(host, int(port), control.tls_context(settings))
        background.append(asyncio.ensure_future(_label_nodes(services)))
        log.info("serving the Docker API", extra={"listen": settings.docker_listen})
    log.info("serving", extra={"listen": settings.listen})
    # What exists by now (modules, the app, its caches) lives as long as the process: out
    # of the cyclic collector's sight, its full passes stay short — a filtered list of
    # thousands of containers allocates hundreds of thousands of objects.
    gc.freeze()
    try:
        await server.serve()
    finally:
        for task in background:
            task.cancel()
        await control.proxy.stop()
        await control.audit.stop()
        await control.engine.close()


async def _purge_uploads(services: Services) -> None:
    """Abandoned uploads go, hourly."""
    from wharf.registry.tasks import purge_stale_uploads

    while True:
        try:
            await purge_stale_uploads(services.db, services.storage)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("purging stale uploads failed")
        await asyncio.sleep(3600)


async def open_single_node(services: Services) -> None:
    """On one machine the only node is a manager (``/System``), where user workloads
    are not allowed by default. On the first start against a single-node swarm, allow
    them — once, as an operator would; the setting stays the admin's to change."""
    from wharf.control.engine import EngineError
    from wharf.control.settings import SchedulerSettings
    from wharf.core.settings_store import AdminSetting, put_section

    try:
        nodes = await services.control.engine.get("/nodes")
    except EngineError:
        return
    if not isinstance(nodes, list) or len(nodes) != 1:
        return

    def first_time(session: Any) -> bool:
        if session.get(AdminSetting, SchedulerSettings.KEY) is not None:
            return False
        put_section(session, SchedulerSettings(enable_user_ucp_scheduling=True))
        return True

    if await services.db.run(first_time):
        log.info(
            "single-node swarm: users may schedule on the manager "
            "(scheduling_configuration.enable_user_ucp_scheduling)"
        )


async def _label_nodes(services: Services) -> None:
    """Keep nodes' collection labels (which placement relies on) current."""
    from wharf.control.settings import SchedulerSettings
    from wharf.core.settings_store import get_section

    control = services.control
    last: tuple[int, SchedulerSettings] | None = None
    rounds = 0
    while True:
        try:
            snapshot = await services.access.snapshots.get()
            settings = await services.db.run(lambda s: get_section(s, SchedulerSettings))
            # Relabel when collections or settings changed, and every minute (new nodes).
            if (snapshot.version, settings) != last or rounds % 12 == 0:
                await control.labeler.sync(snapshot, settings)
                last = (snapshot.version, settings)
            rounds += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("node labelling failed")
        await asyncio.sleep(5)
