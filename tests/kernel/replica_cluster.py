"""A real PostgreSQL primary and streaming hot standby for one test, in a temporary directory:
``initdb`` (wal_level=replica), the database loaded from a dump of the test database, then
``pg_basebackup -R`` for the standby. Servers run as the ``postgres`` OS user when the tests
run as root (initdb refuses root). Stopped and removed on exit."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def server_bin() -> Path | None:
    """The newest PostgreSQL server binaries installed (``/usr/lib/postgresql/<n>/bin``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bin: Path
    base: Path
    primary_port: int
    replica_port: int
    dbname: str = "microloan"

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{self.dbname}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """One server binary, as the OS user owning the clusters."""
        argv = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, check=True, capture_output=True, text=True, cwd=self.base, **kwargs)

    def psql(self, port: int, sql: str, db: str | None = None) -> str:
        argv = ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port)]
        return self.run(*argv, "-U", "postgres", "-d", db or self.dbname, "-c", sql).stdout.strip()


def _start(cluster: Cluster, data: Path, port: int) -> None:
    cluster.run(
        "pg_ctl",
        "-D",
        str(data),
        "-l",
        str(data.parent / f"{data.name}.log"),
        "-w",
        "-t",
        "60",
        "-o",
        f"-p {port}",
        "start",
    )


@contextmanager
def primary_and_replica(dump_from: str):
    """A primary loaded with ``pg_dump`` of the database at ``dump_from`` (a URL) and its
    streaming standby, both running; yields the :class:`Cluster`."""
    bin_dir = server_bin()
    assert bin_dir is not None
    base = Path(tempfile.mkdtemp(prefix="microloan-replica-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(bin=bin_dir, base=base, primary_port=_free_port(), replica_port=_free_port())
    primary, replica = base / "primary", base / "replica"
    started: list[Path] = []
    try:
        cluster.run(
            "initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"
        )
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                "\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{base}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\nshared_buffers = 32MB\n"
            )
        _start(cluster, primary, cluster.primary_port)
        started.append(primary)
        cluster.psql(cluster.primary_port, f"CREATE DATABASE {cluster.dbname}", db="postgres")
        dump = subprocess.run(
            [str(bin_dir / "pg_dump"), "--no-owner", "--no-privileges", dump_from],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        load = subprocess.run(
            [str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", cluster.primary_url],
            input=dump,
            capture_output=True,
            text=True,
        )
        assert load.returncode == 0, load.stderr[-2000:]
        cluster.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.primary_port),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        _start(cluster, replica, cluster.replica_port)
        started.append(replica)
        for _ in range(100):
            if cluster.psql(cluster.replica_port, "SELECT pg_is_in_recovery()") == "t":
                break
            time.sleep(0.1)
        yield cluster
    finally:
        for data in reversed(started):
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
            )
        shutil.rmtree(base, ignore_errors=True)
