"""A throwaway PostgreSQL cluster in a temporary directory, for tests and benchmarks.

Runs Debian's PostgreSQL server binaries (``apt-get install postgresql``: initdb and
pg_ctl under ``/usr/lib/postgresql/<version>/bin``) on a free port of 127.0.0.1, trust
authentication, and removes everything on exit. PostgreSQL refuses to run as root, so
as root (CI) the server runs as the ``postgres`` account the Debian package creates.

>>> with TemporaryCluster() as cluster:          # doctest: +SKIP
...     store = open_store(cluster.url)
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

from ..errors import StoreError

DATABASE = "gongbao"
USER = "gongbao"


def server_bin() -> Optional[Path]:
    """Directory of initdb/pg_ctl (highest installed version), or None."""
    override = os.environ.get("GONGBAO_PG_BIN")
    if override:
        return Path(override)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class TemporaryCluster:
    """``initdb`` + ``pg_ctl start`` in a temporary directory; ``url`` connects to a
    database ``gongbao`` owned by superuser ``gongbao``."""

    def __init__(self, *, port: Optional[int] = None, settings: Optional[dict[str, str]] = None,
                 replica_of: Optional["TemporaryCluster"] = None) -> None:
        self.bin = server_bin()
        if self.bin is None or not (self.bin / "pg_ctl").exists():
            raise StoreError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.port = port or _free_port()
        self.settings = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off",
                         "max_connections": "200", "shared_buffers": "256MB", **(settings or {})}
        self.root: Optional[Path] = None
        self.replica_of = replica_of  # a hot standby streaming from that (running) cluster
        self.account = _server_account()  # the server runs as this account when we are root

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` (letters, digits, _) and return its URL."""
        import psycopg

        if not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + "/" + name

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def start(self) -> "TemporaryCluster":
        self.root = Path(tempfile.mkdtemp(prefix="gongbao-pg-"))
        if self.account:
            shutil.chown(self.root, self.account.pw_uid, self.account.pw_gid)
        if self.replica_of is None:
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync")
        else:  # a copy of the primary that replays its WAL (-R: standby.signal + primary_conninfo)
            self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.replica_of.port), "-U", USER,
                      "-D", str(self.data), "-R", "--no-sync", "-X", "stream", "--checkpoint=fast")
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {options}", "start")
        if self.replica_of is None:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE)
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def log(self) -> str:
        """The server log so far (for a failing test's report)."""
        if self.root is None or not (self.root / "server.log").exists():
            return ""
        return (self.root / "server.log").read_text(errors="replace")

    def tool(self, name: str) -> str:
        """Path of a client tool of the same version (pg_dump, pg_restore, psql)."""
        assert self.bin is not None
        return str(self.bin / name)

    def __enter__(self) -> "TemporaryCluster":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, program: str, *args: str) -> None:
        assert self.bin is not None
        command = [str(self.bin / program), *args]
        if self.account:
            command = ["runuser", "-u", self.account.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise StoreError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                             f"\n{self.log()[-2000:]}")


def _server_account() -> Optional[pwd.struct_passwd]:
    """The account to run the server as when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as error:
        raise StoreError("running as root and there is no 'postgres' account to run the server as") from error


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, timeout: float = 30.0) -> None:
    """Block until the server at ``url`` accepts connections."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def pg_tool(name: str, *args: str) -> "subprocess.CompletedProcess[str]":
    """Run a PostgreSQL client tool, preferring the server's version (pg_dump refuses newer servers)."""
    directory = server_bin()
    program = str(directory / name) if directory and (directory / name).exists() else shutil.which(name)
    if program is None:
        raise StoreError(f"{name} not found (apt-get install postgresql-client)")
    return subprocess.run([program, *args], capture_output=True, text=True, timeout=3600)
