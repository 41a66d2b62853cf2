"""A real PostgreSQL server for the multi-process tests, and a fresh database per test.

The server is env ``BRIEFING_TEST_PG_SERVER`` (a URL of its ``postgres``
database), or the server of ``BRIEFING_TEST_STORE_URL``; ``.ci/run`` starts a
throwaway cluster and sets both. Elsewhere a throwaway cluster is started here
when Debian's PostgreSQL is installed (as user ``postgres`` when run as root:
PostgreSQL refuses root). Without any server the tests fail (never skip): CI
must not pass without PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.deliver.conftest import free_port


def _server_from_env() -> str:
    server = os.environ.get("BRIEFING_TEST_PG_SERVER", "")
    store = os.environ.get("BRIEFING_TEST_STORE_URL", "")
    if not server and store:
        server = make_url(store).set(database="postgres", query={}).render_as_string(hide_password=False)
    return server


def _start_cluster(folder: Path) -> str:
    """initdb + pg_ctl start in ``folder`` on a free port; the server's URL."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        pytest.fail("no PostgreSQL server: install Debian's postgresql or set BRIEFING_TEST_PG_SERVER")
    bin_dir = Path(binaries[-1]).parent
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"
    subprocess.run([*run_as, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True, timeout=120)
    options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                    "-w", "start"], check=True, capture_output=True, timeout=120)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    server = _server_from_env()
    if server:
        yield server
        return
    folder = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    os.chmod(folder, 0o755)
    url = _start_cluster(folder)
    yield url
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    pg_ctl = Path(max(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")))
    subprocess.run([*run_as, str(pg_ctl), "-D", str(folder / "data"), "-m", "immediate", "stop"],
                   capture_output=True, timeout=60, check=False)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database for this test; its URL (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(pg_server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
