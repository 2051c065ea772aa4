"""A throwaway PostgreSQL server for the JDBC tests (import the fixtures into a test module).

The server is initdb'd into a temporary directory once per test session and started on a free
port with ``max_prepared_transactions`` > 0 (the exactly-once sink needs it), then shut down at
the end. Locally, without PostgreSQL or psycopg, the tests are skipped with the reason; in CI
(``CI`` set, as ``.ci/run`` does) they fail instead, because skipping would hide that the
connector is untested.
"""

from __future__ import annotations

import os
import uuid

import pytest


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[test]')")
    from flinklite.testing._postgres import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as e:
        _unavailable(f"cannot start PostgreSQL ({e}); run .ci/deps/postgresql.sh")
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg(pg_server):
    """The running server, started again if a test stopped it, and a fresh table name."""
    if not pg_server.running:
        pg_server.start()
    with pg_server.connect() as conn:  # no test leaves prepared transactions to the next one
        for (gid,) in conn.execute("SELECT gid FROM pg_prepared_xacts").fetchall():
            conn.execute(f"ROLLBACK PREPARED '{gid}'")
    pg_server.table = "t_" + uuid.uuid4().hex[:10]
    return pg_server
