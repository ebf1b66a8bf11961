"""A PostgreSQL cluster of our own, to kill: `initdb` in a temporary directory, its own port on 127.0.0.1.

The machine's shared server (127.0.0.1:5432) must not be killed under other tests, so the crash run that
kills PostgreSQL itself runs one of these: the postmaster and every process it started get SIGKILL at once
(no shutdown, no checkpoint: what an OOM kill of the process tree does), then the cluster starts again and
replays its write-ahead log. As root (CI) the cluster runs as the `postgres` user, since PostgreSQL
refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.live import free_port

SUPERUSER = "postgres"


def bin_dir() -> Path | None:
    """The newest installed server's programs (Debian keeps them off PATH), or those on PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True
    )
    if versions:
        return versions[0].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PrivateCluster:
    """Start, crash (SIGKILL to the whole process tree) and start again; `url` is its `postgres` database."""

    def __init__(self, programs: Path) -> None:
        self.programs = programs
        self.root = Path(tempfile.mkdtemp(prefix="homebound-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        self.crashes = 0

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        command = [str(self.programs / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # noqa: S603 - fixed programs

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync")

    def start(self) -> float:
        """Start (after a crash, recovery first) and wait until it accepts connections; the seconds taken."""
        started = time.monotonic()
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        data, log = str(self.data), str(self.log)
        self._run("pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start")
        return time.monotonic() - started

    def _postmaster(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def crash(self) -> int:
        """SIGKILL the postmaster and all its children at once; wait until every one is gone. How many."""
        postmaster = self._postmaster()
        if postmaster is None:
            raise RuntimeError("the cluster is not running")
        tree = [postmaster, *_children(postmaster)]
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{pid}").exists() for pid in tree) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.crashes += 1
        return len(tree)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
    return found


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """An initialised and started cluster, stopped and removed afterwards."""
    programs = bin_dir()
    if programs is None:
        raise FileNotFoundError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    cluster = PrivateCluster(programs)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        cluster.remove()
