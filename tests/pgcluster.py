"""A temporary PostgreSQL server for the tests: Debian's server binaries, a cluster in a
temporary directory, 127.0.0.1 on a free port, stopped when the tests end.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` user
(the package creates it) and both commands run through `runuser`. Durability settings
are off (the tests are about behaviour, not power loss; a clean restart still writes
everything). `make test` installs the `postgresql` package when it is missing; without
it, and with `CUSTOM_FIELDS_TEST_POSTGRES` unset, the PostgreSQL tests fail and say so.

`CUSTOM_FIELDS_TEST_POSTGRES=postgresql://...` uses an existing server instead (a
schema per test is created in it).
"""

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from urllib.parse import quote

import psycopg

from tests.processes import HOST, free_port

SERVER_ENV = "CUSTOM_FIELDS_TEST_POSTGRES"


def server_binaries() -> str:
    """The directory of `initdb` and `postgres`: the newest Debian server package's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    on_path = shutil.which("initdb")
    if on_path:
        return os.path.dirname(on_path)
    raise RuntimeError("the PostgreSQL tests need the server binaries: apt-get install "
                       "postgresql (make test does it as root), or set "
                       f"{SERVER_ENV} to a server's URL")


class TemporaryCluster:
    def __init__(self) -> None:
        self.bin = server_binaries()
        self.directory = tempfile.mkdtemp(prefix="custom-fields-pg-")
        self.data = os.path.join(self.directory, "data")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.process: subprocess.Popen[bytes] | None = None
        if self.as_root:
            shutil.chown(self.directory, "postgres", "postgres")
            os.chmod(self.directory, 0o755)
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        self.start()

    def _command(self, name: str, *args: str) -> list[str]:
        command = [os.path.join(self.bin, name), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def _run(self, name: str, *args: str) -> None:
        subprocess.run(self._command(name, *args), check=True, capture_output=True,
                       timeout=120)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    def start(self) -> None:
        log = open(os.path.join(self.directory, "server.log"), "ab")
        self.process = subprocess.Popen(self._command(
            "postgres", "-D", self.data, "-p", str(self.port), "-k", self.directory,
            "-c", f"listen_addresses={HOST}", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=300", "-c", "shared_buffers=64MB"),
            stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the test PostgreSQL server did not start: see "
                                       f"{self.directory}/server.log") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """A fast shutdown (sessions are ended, what committed stays), by `pg_ctl`: the
        process started may be `runuser`, which would not pass the signal on as is."""
        if self.process is not None and self.process.poll() is None:
            try:
                self._run("pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w", "-t", "30")
                self.process.wait(timeout=30)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "stop", "-D", self.data, "-m", "immediate")
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


class Databases:
    """Fresh schemas on the test server, one per database a test asks for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cluster: TemporaryCluster | None = None
        self._base: str | None = os.environ.get(SERVER_ENV) or None

    @property
    def cluster(self) -> TemporaryCluster:
        """The temporary server (started on first use); not there with SERVER_ENV."""
        with self._lock:
            if self._cluster is None:
                if self._base is not None:
                    raise RuntimeError(f"{SERVER_ENV} is set: no temporary server to control")
                self._cluster = TemporaryCluster()
                atexit.register(self._cluster.destroy)
            return self._cluster

    @property
    def base(self) -> str:
        return self._base if self._base is not None else self.cluster.admin_url

    def fresh(self) -> str:
        """The URL of a new, empty schema."""
        schema = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return schema_url(self.base, schema)

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.destroy()
            self._cluster = None


DATABASES = Databases()
