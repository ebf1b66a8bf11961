"""`homebound federation-demo`: three demo nodes on this machine (party UA, party RU, the mediator), each with
its own database and keys, prepared through packages; with --serve, each node's web server on its own port."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homebound.cli.context import load_settings
from homebound.config import Settings
from homebound.services.demo_federation import DemoNode

out = Console()
err = Console(stderr=True)


@dataclass(frozen=True)
class Server:
    label: str
    settings: Settings

    @property
    def port(self) -> int:
        return self.settings.port


def node_servers(nodes: Sequence[DemoNode], parent: Settings, base_port: int) -> list[Server]:
    """One web server per node, each with its own database and key directory, on consecutive ports. A node
    takes the parent's general settings, never its database, keys, data secret or inbox."""
    return [
        Server(
            f"{node.code} ({node.kind})",
            parent.model_copy(
                update={
                    "database_url": node.database_url,
                    "migration_database_url": None,
                    "key_dir": Path(node.key_dir),
                    "data_secret": None,
                    "inbox_url": None,
                    "port": base_port + number,
                }
            ),
        )
        for number, node in enumerate(nodes)
    ]


def run_servers(servers: Sequence[Server]) -> int:
    """Serve every app from this process (one uvicorn server per thread) until Ctrl-C or a server stops."""
    import uvicorn

    from homebound.web.app import create_app

    running = [
        uvicorn.Server(
            uvicorn.Config(
                create_app(server.settings),
                host=server.settings.host,
                port=server.port,
                log_level="info",
                proxy_headers=False,
            )
        )
        for server in servers
    ]
    # uvicorn installs no signal handlers outside the main thread: Ctrl-C and SIGTERM stop them all here.
    threads = [
        threading.Thread(target=one.run, name=server.label, daemon=True)
        for one, server in zip(running, servers, strict=True)
    ]
    signal.signal(signal.SIGTERM, _stop)
    for thread in threads:
        thread.start()
    try:
        while all(thread.is_alive() for thread in threads):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for one in running:
            one.should_exit = True
        for thread in threads:
            thread.join(timeout=10)
    return 0 if all(one.started for one in running) else 1


def _stop(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def federation_demo(
    folder: Annotated[Path, typer.Option("--dir", help="where the nodes' databases and keys go")] = Path(
        ".demo"
    ),
    persons: Annotated[int, typer.Option(help="persons per side in the synthetic scenario")] = 400,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same demo")] = 2023,
    base_port: Annotated[int, typer.Option(help="the first node's port; the others follow")] = 8001,
    serve: Annotated[bool, typer.Option(help="then serve every node, each on its own port")] = False,
    with_single: Annotated[
        bool, typer.Option(help="also serve the configured single-server database on HOMEBOUND_PORT")
    ] = False,
) -> None:
    """Prepare a demo federation (idempotent: delete the folder to start afresh): nodes set up, cards
    pinned, each party's lists in its own registry, disclosed to the mediator by packages, matched, match
    results sent back, every node's log checkpoint cosigned by a peer."""
    from homebound.services.demo import DEMO_PASSWORD
    from homebound.services.demo_federation import prepare_federation

    settings = load_settings()
    if not settings.allow_demo:
        err.print("[red]the demo is disabled in this environment (HOMEBOUND_ALLOW_DEMO=false)[/red]")
        raise typer.Exit(code=2)
    started = time.perf_counter()
    summary = prepare_federation(
        folder, persons=persons, seed=seed, cost=settings.password_cost(),
        progress=lambda line: out.print(f"  {line}"),
    )  # fmt: skip
    if summary.already_prepared:
        out.print(f"demo federation already prepared in {folder} (delete it to start afresh)")
    else:
        elapsed = time.perf_counter() - started
        out.print(
            f"demo federation prepared in {elapsed:.0f} s; the packages that crossed: {folder}/packages"
        )
    host = settings.host
    out.print(f"Demo federation (password for every account: {DEMO_PASSWORD})", highlight=False)
    servers = node_servers(summary.nodes, settings, base_port)
    for node, server in zip(summary.nodes, servers, strict=True):
        out.print(f"  {node.code:<4} {node.kind:<9} http://{host}:{server.port}/  sign in as {node.admin}"
                  f"  ({node.database_url})", highlight=False, soft_wrap=True)  # fmt: skip
    if not serve:
        return
    if with_single:
        out.print(f"single-server demo (every feature, one database): http://{host}:{settings.port}/")
        servers.append(Server("single server", settings))
    raise typer.Exit(code=run_servers(servers))
