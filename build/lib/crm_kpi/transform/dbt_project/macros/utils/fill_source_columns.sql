{#
    Column contract at the edge (after Fivetran's `fill_staging_columns`).

    Returns a `select` over the source table `source_name.table_name` that yields every column
    declared for that table in the source YAML (`columns:` with `data_type`), in the declared
    order:
      - a column that exists in the raw table is selected as it is;
      - a column that does not exist (dlt creates no column whose values were all null) becomes
        a typed NULL (`cast(null as <data_type>)`);
      - when the table itself does not exist (the CRM is not configured, or nothing was loaded
        yet) the result is an empty relation with the same columns, so that every model
        downstream builds, and `dbt build` passes on an empty warehouse.

    The existence checks use the adapter under `execute` only; at parse time the macro renders
    a plain `select *` so that dbt still records the dependency on the source.
#}
{% macro fill_source_columns(source_name, table_name) -%}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        select * from {{ source_relation }}
    {%- else -%}
        {%- set contract = source_contract_columns(source_name, table_name) -%}
        {%- set existing = existing_column_names(source_relation) -%}
        select
        {%- for column in contract %}
            {% if existing is not none and column.name | lower in existing -%}
                {{ adapter.quote(column.name) }}
            {%- else -%}
                cast(null as {{ contract_type(column.data_type) }})
            {%- endif %} as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
        {% if existing is not none -%}
        from {{ source_relation }}
        {%- else -%}
            where 1 = 0
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{# The declared columns (name, data_type) of a source table, in YAML order. #}
{% macro source_contract_columns(source_name, table_name) -%}
    {%- set matches = graph.sources.values()
        | selectattr('package_name', 'equalto', project_name)
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name)
        | list -%}
    {%- if matches | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "fill_source_columns: source '" ~ source_name ~ "." ~ table_name
            ~ "' is not declared in this project's source YAML") }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in matches[0].columns.values() -%}
        {%- if not column.data_type -%}
            {{ exceptions.raise_compiler_error(
                "fill_source_columns: column '" ~ column.name ~ "' of source '" ~ source_name
                ~ "." ~ table_name ~ "' needs a data_type in the source YAML") }}
        {%- endif -%}
        {%- do columns.append({'name': column.name, 'data_type': column.data_type}) -%}
    {%- endfor -%}
    {%- if columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "fill_source_columns: source '" ~ source_name ~ "." ~ table_name
            ~ "' declares no columns") }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}


{# Lower-case names of the columns of `relation`, or none when the relation does not exist. #}
{% macro existing_column_names(relation) -%}
    {%- set found = adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier) -%}
    {%- if found is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(found) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#
    Map the portable type names used in the source YAML (`bigint`, `integer`, `text`,
    `boolean`, `double`, `json`, `timestamp`) to the adapter's types.
#}
{% macro contract_type(data_type) -%}
    {%- set name = data_type | lower | trim -%}
    {%- if name == 'bigint' -%}{{ dbt.type_bigint() }}
    {%- elif name in ('integer', 'int') -%}{{ dbt.type_int() }}
    {%- elif name in ('text', 'string', 'varchar') -%}{{ dbt.type_string() }}
    {%- elif name in ('boolean', 'bool') -%}{{ dbt.type_boolean() }}
    {%- elif name in ('double', 'float') -%}{{ type_double() }}
    {%- elif name == 'json' -%}{{ type_json() }}
    {%- elif name == 'timestamp' -%}{{ dbt.type_timestamp() }}
    {%- else -%}{{ data_type }}
    {%- endif -%}
{%- endmacro %}
