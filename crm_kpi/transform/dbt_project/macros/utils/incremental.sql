{#
    Incremental builds (issue #11). dlt merges raw rows on their primary key and stamps every
    new or changed row with the new load's `_dlt_load_id`, so an incremental build only needs
    the rows of loads newer than the newest one the model already holds *of the same account*.
    Per account, not the newest of all: accounts load apart, and a load extracted before
    another account's (its id is older) can be merged after a build read that one (a retry,
    an ingestion started from the UI beside a running transform). One account's loads are
    merged in the order of their ids (the run queue runs one ingestion per account at a time).
#}

{#
    The newest `dlt_load_id` that `this` holds of each account: a subquery of
    (account_key, newest_load_id).
#}
{% macro newest_loads_held() -%}
    (
        select
            held.account_key,
            max(held.dlt_load_id) as newest_load_id
        from {{ this }} as held
        group by held.account_key
    )
{%- endmacro %}


{#
    The row of `alias` is of a load newer than the newest `this` holds of its account (always,
    for an account `this` holds nothing of, and for a row without a load id): its
    `load_id_column` against the account `account_key` (an expression over the row; default
    `<alias>.account_key`). With `scanned`, the relation the rows are read from (a table, not a
    CTE: DuckDB materialises a CTE read twice), the load id must also be newer than the oldest
    of those newest loads over the accounts in `scanned`: a constant that lets DuckDB skip the
    row groups of older loads unread (0.02 s instead of 0.5-0.9 s over 7.7M raw events), and
    that excludes rows without a load id. A `not exists` (an anti-join on both engines), so use
    it where the condition is and-ed; under an `or`, PostgreSQL runs it once a row: left join
    `newest_loads_held()` instead.
#}
{% macro is_newer_load(alias, load_id_column='dlt_load_id', account_key=none, scanned=none) -%}
    {%- set row_load = alias ~ '.' ~ load_id_column -%}
    {%- set row_account = account_key or (alias ~ '.account_key') -%}
    {%- if scanned is not none and execute and load_relation(scanned) is not none -%}
    {{ row_load }} > (
        select coalesce(min(coalesce(newest_held.newest_load_id, '')), '')
        from (
            select distinct {{ row_account }} as account_key
            from {{ scanned }} as {{ alias }}
        ) as present_accounts
        left join {{ newest_loads_held() }} as newest_held
            on present_accounts.account_key = newest_held.account_key
    )
    and {% endif -%}
    not exists (
        select 1
        from {{ newest_loads_held() }} as newest_held
        where
            newest_held.account_key = {{ row_account }}
            and newest_held.newest_load_id >= {{ row_load }}
    )
{%- endmacro %}


{#
    `where` the row of `relation` (read as `alias`, default its identifier) is of a newer load
    than `this` holds of its account (`is_newer_load()`) on an incremental build; nothing on a
    full build.
#}
{% macro where_newer_load(relation, alias=none, load_id_column='dlt_load_id', account_key=none) -%}
    {%- if is_incremental() %}
    where {{ is_newer_load(alias or relation.identifier, load_id_column, account_key, relation) }}
    {%- endif %}
{%- endmacro %}


{# The same condition after an existing `where`: `and <newer load>`. #}
{% macro and_newer_load(relation, alias=none, load_id_column='dlt_load_id', account_key=none) -%}
    {%- if is_incremental() %}
        and {{ is_newer_load(alias or relation.identifier, load_id_column, account_key, relation) }}
    {%- endif %}
{%- endmacro %}


{#
    The same `where` in a staging model over raw table `source_name.table_name`, read as its
    `source` CTE (`fill_source_columns()`): raw rows carry `_dlt_load_id`, and their account
    key is `account_key`, an expression over `source` (the CRM's account key macro).
#}
{% macro where_newer_raw_load(source_name, table_name, account_key) -%}
    {{ where_newer_load(source(source_name, table_name), 'source', '_dlt_load_id', account_key) }}
{%- endmacro %}


{#
    The deals an incremental deal model recomputes, as a `select account_key, deal_id`: those
    whose change marker in `changes` (`int_deal_changes`, or `int_deals` downstream of it) is
    newer than the newest marker the model holds of the deal's account or missing (a lead known
    only from the amoCRM bin has nothing to mark it: a few, rebuilt every night), and, with `deleted_column`, those whose
    deletion the model holds otherwise than `deleted_now` says (a `select account_key, deal_id`
    of the deals deleted now; default: `int_deals`' deleted deals): the amoCRM bin is a
    snapshot that dlt replaces on every load, so a lead put into it or taken out of it marks
    nothing. Late CRM edits and reopened deals need no window in time: the source fetches an
    edited deal again whatever its `updated_at`, and dlt stamps the row with the new load.
    The model must ref what it passes (and `int_deals` for the default).
#}
{% macro deals_to_rebuild(changes, deleted_column=none, deleted_now=none) -%}
    {%- if deleted_column and deleted_now is none -%}
        {%- set deleted_now -%}
            select account_key, deal_id from {{ ref('int_deals') }} where is_deleted
        {%- endset -%}
    {%- endif %}
    select
        changes.account_key,
        changes.deal_id
    from {{ changes }} as changes
    where {{ is_newer_load('changes') }}
    {%- if deleted_column %}

    union

    select
        deletion_changes.account_key,
        deletion_changes.deal_id
    from (
        (
            select held.account_key, held.deal_id
            from {{ this }} as held
            where held.{{ deleted_column }}
            except
            select deleted_now.account_key, deleted_now.deal_id
            from ({{ deleted_now }}) as deleted_now
        )
        union
        (
            select deleted_now.account_key, deleted_now.deal_id
            from ({{ deleted_now }}) as deleted_now
            except
            select held.account_key, held.deal_id
            from {{ this }} as held
            where held.{{ deleted_column }}
        )
    ) as deletion_changes
    {%- endif %}
{%- endmacro %}


{#
    The deals a record the CRMs hold now marks as deleted (the evidence of `int_deals.is_deleted`),
    as a `select account_key, deal_id`: in the amoCRM bin, flagged, or last deleted by an event
    (not restored since); Bitrix24 deals in the deletion scan. `int_deals` rebuilds the deals
    whose deletion it holds otherwise (`deals_to_rebuild()`).
#}
{% macro deals_deleted_now() -%}
    select
        account_key,
        entity_id as deal_id
    from {{ ref('stg_amocrm__deleted_entities') }}
    where entity_type = 'leads' and is_deleted

    union all

    select
        account_key,
        lead_id as deal_id
    from {{ ref('stg_amocrm__leads') }}
    where is_deleted

    union all

    select
        account_key,
        deal_id
    from (
        select
            account_key,
            entity_id as deal_id,
            event_type,
            row_number() over (
                partition by account_key, entity_id
                order by created_at desc, event_id desc
            ) as recency
        from {{ ref('stg_amocrm__events') }}
        where entity_type = 'lead' and event_type in ('lead_deleted', 'lead_restored')
    ) as deletion_events
    where recency = 1 and event_type = 'lead_deleted'

    union all

    select
        account_key,
        entity_id as deal_id
    from {{ ref('stg_bitrix24__deletions') }}
    where entity_type = 'deal' and is_deleted
{%- endmacro %}


{#
    `and` (or `where`, with `keyword`) the row of `relation_alias` belongs to one of
    `deals_to_rebuild` (a CTE of the model) on an incremental build; nothing on a full build.
#}
{% macro and_deal_to_rebuild(relation_alias, deal_column='deal_id', keyword='and') -%}
    {%- if is_incremental() %}
        {{ keyword }} exists (
            select 1
            from deals_to_rebuild
            where
                deals_to_rebuild.account_key = {{ relation_alias }}.account_key
                and deals_to_rebuild.deal_id = {{ relation_alias }}.{{ deal_column }}
        )
    {%- endif %}
{%- endmacro %}


{#
    `and` (or `where`, with `keyword`) the task of `relation_alias` belongs to one of
    `tasks_to_rebuild` (a CTE of the model, account_key and task_id) on an incremental build;
    nothing on a full build.
#}
{% macro and_task_to_rebuild(relation_alias, task_column='task_id', keyword='and') -%}
    {%- if is_incremental() %}
        {{ keyword }} exists (
            select 1
            from tasks_to_rebuild
            where
                tasks_to_rebuild.account_key = {{ relation_alias }}.account_key
                and tasks_to_rebuild.task_id = {{ relation_alias }}.{{ task_column }}
        )
    {%- endif %}
{%- endmacro %}


{#
    The `dbt_invocation_id` column of an incremental model: the dbt invocation that wrote the
    row. Data tests of an incremental build read only those rows (`get_where_subquery`).
#}
{% macro this_invocation() -%}
    cast('{{ invocation_id }}' as {{ dbt.type_string() }})
{%- endmacro %}
