"""`homebound federation-demo`: three demo nodes on this machine (party UA, party RU, the mediator), each with
its own database and keys, prepared through packages; with --serve, each node's web server on its own port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homebound.cli.context import load_settings
from homebound.services.demo_federation import DemoNode

out = Console()
err = Console(stderr=True)
# A node server reads its own database and key directory; nothing of the shell's node settings leaks in.
_NODE_SETTINGS = ("HOMEBOUND_DATABASE_URL", "HOMEBOUND_MIGRATION_DATABASE_URL", "HOMEBOUND_KEY_DIR",
                  "HOMEBOUND_DATA_SECRET", "HOMEBOUND_PORT", "HOMEBOUND_INBOX_URL")  # fmt: skip


@dataclass(frozen=True)
class Server:
    label: str
    port: int
    environment: dict[str, str]


def node_servers(nodes: Sequence[DemoNode], host: str, base_port: int) -> list[Server]:
    """One `homebound serve` per node, with its own database and key directory, on consecutive ports."""
    base = {name: value for name, value in os.environ.items() if name not in _NODE_SETTINGS}
    return [
        Server(f"{node.code} ({node.kind})", base_port + number,
               {**base, "HOMEBOUND_DATABASE_URL": node.database_url, "HOMEBOUND_KEY_DIR": node.key_dir,
                "HOMEBOUND_HOST": host, "HOMEBOUND_PORT": str(base_port + number)})
        for number, node in enumerate(nodes)
    ]  # fmt: skip


def _stop(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the servers as Ctrl-C does


def run_servers(servers: Sequence[Server]) -> int:
    """Start every server, wait until one stops or Ctrl-C, then stop the others; the first exit code."""
    command = [sys.executable, "-m", "homebound.cli.main", "serve"]
    signal.signal(signal.SIGTERM, _stop)
    children = [subprocess.Popen(command, env=server.environment) for server in servers]  # noqa: S603
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return next((child.returncode for child in children if child.returncode not in (None, 0, -15)), 0)


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
    servers = node_servers(summary.nodes, host, base_port)
    for node, server in zip(summary.nodes, servers, strict=True):
        out.print(f"  {node.code:<4} {node.kind:<9} http://{host}:{server.port}/  sign in as {node.admin}"
                  f"  ({node.database_url})", highlight=False, soft_wrap=True)  # fmt: skip
    if not serve:
        return
    if with_single:
        out.print(f"single-server demo (every feature, one database): http://{host}:{settings.port}/")
        servers.append(Server("single server", settings.port, dict(os.environ)))
    raise typer.Exit(code=run_servers(servers))
