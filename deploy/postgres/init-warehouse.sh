#!/bin/sh
# First start of the `postgres` service (docker-entrypoint-initdb.d): the warehouse database and
# its owner beside Dagster's storage database. The owner may create roles: publishing to BI
# creates the read-only role CRM_KPI_PG_BI_ROLE. Skipped when CRM_KPI_WAREHOUSE_PG_DB is empty.
set -eu
if [ -z "${CRM_KPI_WAREHOUSE_PG_DB:-}" ]; then
    echo "init-warehouse: CRM_KPI_WAREHOUSE_PG_DB not set, no warehouse database created"
    exit 0
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$CRM_KPI_WAREHOUSE_PG_DB" \
    -v owner="$CRM_KPI_WAREHOUSE_PG_USER" \
    -v password="$CRM_KPI_WAREHOUSE_PG_PASSWORD" <<'SQL'
create role :"owner" login createrole password :'password';
create database :"db" owner :"owner";
SQL
