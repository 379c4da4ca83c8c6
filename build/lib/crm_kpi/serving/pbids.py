"""A Power BI data source file (``.pbids``) for the PostgreSQL target.

Opening it in Power BI Desktop opens "Get data" already pointed at the server and database;
Power BI then asks for the BI role's credentials (never stored in the file).
"""

from __future__ import annotations

import json
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

DEFAULT_PORT = "5432"


def pbids_document(dsn: str) -> dict:
    """The ``.pbids`` JSON for the server and database of a libpq DSN (no user, no password)."""
    info = conninfo_to_dict(dsn)
    host = str(info.get("host") or "localhost")
    if host.startswith("/"):  # a Unix socket means this machine
        host = "localhost"
    port = str(info.get("port") or DEFAULT_PORT)
    server = host if port == DEFAULT_PORT else f"{host}:{port}"
    database = str(info.get("dbname") or info.get("user") or "postgres")
    return {
        "version": "0.1",
        "connections": [
            {
                "details": {
                    "protocol": "postgresql",
                    "address": {"server": server, "database": database},
                },
                "options": {},
                "mode": "Import",
            }
        ],
    }


def write_pbids(dsn: str, path: Path) -> Path:
    """Write the ``.pbids`` file for ``dsn`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pbids_document(dsn), indent=2) + "\n", encoding="utf-8")
    return path
