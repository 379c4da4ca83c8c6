"""The ``Warehouse`` resource: where raw data, dbt models and checks live (contract C2).

``url`` is ``duckdb:///<path>`` (an embedded file; a relative path is relative to the working
directory, ``duckdb:////abs/path`` is absolute) or ``postgresql://user:pw@host:port/db``.
Everything that needs the warehouse asks this resource: dlt for its destination, dbt for its
target and environment (``profiles.yml`` reads the variables of ``dbt_env()``), Great
Expectations for a SQLAlchemy URL, and readers for a DB-API connection.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from dagster import ConfigurableResource

URL_ENV = "CRM_KPI_WAREHOUSE_URL"
LEGACY_PATH_ENV = "CRM_KPI_WAREHOUSE"
DEFAULT_DUCKDB_PATH = "warehouse/crm_kpi.duckdb"
# DuckDB's memory cap, for dbt (profiles.yml reads it) and every connection opened here.
MEMORY_LIMIT_ENV = "CRM_KPI_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"

# What profiles.yml reads (see dbt_env()).
DBT_TARGET_ENV = "CRM_KPI_DBT_TARGET"
PG_ENV = {
    "host": "CRM_KPI_WAREHOUSE_PG_HOST",
    "port": "CRM_KPI_WAREHOUSE_PG_PORT",
    "user": "CRM_KPI_WAREHOUSE_PG_USER",
    "password": "CRM_KPI_WAREHOUSE_PG_PASSWORD",
    "dbname": "CRM_KPI_WAREHOUSE_PG_DBNAME",
}
DBT_TARGETS = {"duckdb": "dev", "postgres": "postgres"}
# dbt's PostgreSQL sessions (libpq reads PGOPTIONS): no nested-loop joins. The models join
# whole, unindexed tables through CTEs the planner cannot estimate (rows=1), and a nested loop
# then costs minutes where a hash join takes seconds (fct_deal_stage_reach at 20k deals:
# > 12 min against 2.6 s).
DBT_PG_OPTIONS = "-c enable_nestloop=off"
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2")

WarehouseKind = Literal["duckdb", "postgres"]
T = TypeVar("T")


class Warehouse(ConfigurableResource):
    """The warehouse, configured by one URL (``CRM_KPI_WAREHOUSE_URL``).

    ``duckdb_memory_limit`` caps DuckDB (its own default is 80 % of the machine's RAM, kept
    as cache): dbt's sessions and every connection opened through this resource get it, and
    what does not fit spills to disk. PostgreSQL ignores it.
    """

    url: str = f"duckdb:///{DEFAULT_DUCKDB_PATH}"
    duckdb_memory_limit: str = DEFAULT_MEMORY_LIMIT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Warehouse:
        """``$CRM_KPI_WAREHOUSE_URL``, else the path ``$CRM_KPI_WAREHOUSE``, else the default file.

        A DuckDB path is made absolute against the working directory, because dbt runs in
        its own folder and must open the same file as dlt. DuckDB's memory limit comes from
        ``$CRM_KPI_DUCKDB_MEMORY_LIMIT`` (default 1GB). Only resource definitions call this.
        """
        environ = os.environ if environ is None else environ
        limit = environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
        url = environ.get(URL_ENV) or ""
        if not url:
            path = environ.get(LEGACY_PATH_ENV) or DEFAULT_DUCKDB_PATH
            return cls(url=duckdb_url(Path(path)), duckdb_memory_limit=limit)
        warehouse = cls(url=url, duckdb_memory_limit=limit)
        if warehouse.kind == "duckdb":
            return cls(url=duckdb_url(warehouse.duckdb_path), duckdb_memory_limit=limit)
        return warehouse

    @property
    def kind(self) -> WarehouseKind:
        """``duckdb`` or ``postgres``."""
        scheme = urlsplit(self.url).scheme.lower()
        if scheme == "duckdb":
            return "duckdb"
        if scheme in _POSTGRES_SCHEMES:
            return "postgres"
        raise ValueError(
            f"unsupported warehouse URL {self.redacted_url!r}: "
            "use duckdb:///path/to/file.duckdb or postgresql://user:password@host:port/database"
        )

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file (absolute); only for a DuckDB warehouse."""
        if self.kind != "duckdb":
            raise ValueError(f"the warehouse is {self.kind}, not a DuckDB file")
        raw = self.url[len("duckdb:///") :]
        return Path(unquote(raw.split("?", 1)[0])).expanduser().absolute()

    @property
    def dbt_target(self) -> str:
        """The target of ``profiles.yml`` for this warehouse."""
        return DBT_TARGETS[self.kind]

    @property
    def redacted_url(self) -> str:
        """The URL without its password, for logs and messages."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()

    @property
    def postgres_params(self) -> dict[str, Any]:
        """host, port, user, password and dbname of a PostgreSQL warehouse."""
        if self.kind != "postgres":
            raise ValueError("the warehouse is a DuckDB file, not PostgreSQL")
        parts = urlsplit(self.url)
        return {
            "host": parts.hostname or "localhost",
            "port": parts.port or 5432,
            "user": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "dbname": unquote(parts.path.lstrip("/")),
        }

    @property
    def postgres_dsn(self) -> str:
        """A libpq URI (``postgresql://...``) for psycopg and dlt."""
        parts = urlsplit(self.url)
        return parts._replace(scheme="postgresql").geturl()

    @property
    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL (duckdb-engine or psycopg 3), e.g. for a GX SQL datasource."""
        if self.kind == "duckdb":
            return f"duckdb:///{self.duckdb_path}"
        return urlsplit(self.url)._replace(scheme="postgresql+psycopg").geturl()

    def dlt_destination(self) -> Any:
        """dlt's destination for the raw schemas of this warehouse."""
        import dlt

        if self.kind == "duckdb":
            return dlt.destinations.duckdb(str(self.duckdb_path))
        return dlt.destinations.postgres(self.postgres_dsn)

    @property
    def duckdb_config(self) -> dict[str, Any]:
        """The settings of every DuckDB connection: dbt's (``profiles.yml``) and ours.

        Row order is not kept: no reader relies on the order of a table without ``order by``,
        and DuckDB streams and spills more freely without it.
        """
        return {"memory_limit": self.duckdb_memory_limit, "preserve_insertion_order": False}

    def dbt_env(self) -> dict[str, str]:
        """The environment variables ``profiles.yml`` reads to reach this warehouse."""
        env = {DBT_TARGET_ENV: self.dbt_target}
        if self.kind == "duckdb":
            env[LEGACY_PATH_ENV] = str(self.duckdb_path)
            env[MEMORY_LIMIT_ENV] = self.duckdb_memory_limit
        else:
            env.update({PG_ENV[key]: str(value) for key, value in self.postgres_params.items()})
            env["PGOPTIONS"] = DBT_PG_OPTIONS
        return env

    @property
    def exists(self) -> bool:
        """Whether there is a warehouse to read yet (a DuckDB file is made by its first writer)."""
        return self.kind != "duckdb" or self.duckdb_path.exists()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[Any]:
        """A DB-API connection (duckdb or psycopg), closed on exit.

        ``read_only``: a DuckDB file opened without the write lock (retried while another
        process holds it; ``WarehouseUnavailable`` when there is no file); on PostgreSQL a
        read-only session. PostgreSQL connections commit on a clean exit, roll back on error.
        """
        if self.kind == "duckdb":
            # duckdb-engine opens the file with another configuration (its user agent).
            with _released(self.duckdb_path):
                connection = _open_duckdb(self.duckdb_path, read_only, self.duckdb_config)
                try:
                    yield connection
                finally:
                    connection.close()
            return
        import psycopg

        options = "-c default_transaction_read_only=on" if read_only else None
        with psycopg.connect(self.postgres_dsn, options=options) as connection:
            yield connection

    def engine_kwargs(self, read_only: bool = True) -> dict[str, Any]:
        """``sqlalchemy.create_engine`` arguments (e.g. for GX): read-only as ``connect``,
        and on DuckDB the settings of ``duckdb_config``."""
        if self.kind == "duckdb":
            return {"connect_args": {"read_only": read_only, "config": self.duckdb_config}}
        if read_only:
            return {"connect_args": {"options": "-c default_transaction_read_only=on"}}
        return {}

    @contextmanager
    def sql(self, read_only: bool = False) -> Iterator[Any]:
        """A SQLAlchemy connection in a transaction: committed on a clean exit, else rolled back.

        For SQL with ``:name`` parameters (``sqlalchemy.text``) that runs unchanged on both
        engines. On DuckDB it waits out a writer's lock like ``connect``.
        """
        import sqlalchemy as sa

        if self.kind == "duckdb":
            _check_duckdb_file(self.duckdb_path, read_only)
        engine = sa.create_engine(
            self.sqlalchemy_url, poolclass=sa.pool.NullPool, **self.engine_kwargs(read_only)
        )
        kept = self.kind == "duckdb" and not read_only
        try:
            with (
                _released(self.duckdb_path) if kept else nullcontext(),
                _retried(engine.connect, sa.exc.DBAPIError) as connection,
            ):
                yield connection
                connection.commit()
        finally:
            engine.dispose()

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Keep the DuckDB file open, read-only, while the block runs.

        DuckDB shares one open database between the connections of a process that open the
        same file with the same settings; when the last one closes, the next connect opens
        the file again (~30 ms on the demo's warehouse, more on a large one). A step that opens
        read-only connections many times (the quality checks: two or three per suite) keeps
        one here. A read-write connection opened inside the block (``sql()``), or a DB-API
        one (``connect()``, other settings), closes it first and it is opened again after.
        Nothing is kept on PostgreSQL, nor when the file does not exist or cannot be opened
        (the connections inside then report it as they would without the block).
        """
        key = str(self.duckdb_path) if self.kind == "duckdb" else ""
        if not key or key in _KEPT or not self.duckdb_path.exists():
            yield
            return
        import sqlalchemy as sa

        engine = sa.create_engine(
            self.sqlalchemy_url, poolclass=sa.pool.NullPool, **self.engine_kwargs(True)
        )
        kept = _Kept(engine)
        try:
            kept.open()
        except WarehouseUnavailable:
            engine.dispose()
            yield
            return
        _KEPT[key] = kept
        try:
            yield
        finally:
            _KEPT.pop(key).close()


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be opened (no DuckDB file yet, or a writer holds it too long)."""


# A run's writer (dlt, dbt) holds the DuckDB file briefly after its step; wait that out.
LOCK_ATTEMPTS = 6
LOCK_WAIT_SECONDS = 2.0


def _check_duckdb_file(path: Path, read_only: bool) -> None:
    if read_only and not path.exists():
        raise WarehouseUnavailable(f"warehouse {path} does not exist: run the pipeline first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)


def _retried(open_: Callable[[], T], errors: type[Exception] | tuple[type[Exception], ...]) -> T:
    """``open_()``, tried again while the DuckDB file is locked by another process."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            return open_()
        except errors as error:
            if attempt == LOCK_ATTEMPTS or "lock" not in str(error).lower():
                raise WarehouseUnavailable(f"cannot open the warehouse: {error}") from error
            time.sleep(LOCK_WAIT_SECONDS * attempt)
    raise AssertionError("unreachable")


class _Kept:
    """The read-only connection ``Warehouse.kept_open`` holds on one DuckDB file."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.connection: Any = None

    def open(self) -> None:
        import sqlalchemy as sa

        if self.connection is None:
            self.connection = _retried(self.engine.connect, sa.exc.DBAPIError)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.engine.dispose()


# DuckDB file -> the connection kept open on it (``Warehouse.kept_open``), in this process.
_KEPT: dict[str, _Kept] = {}


@contextmanager
def _released(path: Path) -> Iterator[None]:
    """Close the kept connection on ``path`` (if any) for the block, open it again after."""
    kept = _KEPT.get(str(path))
    if kept is None or kept.connection is None:
        yield
        return
    kept.close()
    try:
        yield
    finally:
        kept.open()


def _open_duckdb(path: Path, read_only: bool, config: dict[str, Any]) -> Any:
    import duckdb

    _check_duckdb_file(path, read_only)
    return _retried(
        lambda: duckdb.connect(str(path), read_only=read_only, config=dict(config)),
        duckdb.IOException,
    )


def duckdb_url(path: Path) -> str:
    """``duckdb:///`` + the absolute path (so ``duckdb:////abs/file.duckdb``)."""
    return f"duckdb:///{path.expanduser().absolute()}"
