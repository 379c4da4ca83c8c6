{#
    Incremental builds (issue #11). dlt merges raw rows on their primary key and stamps every
    new or changed row with the new load's `_dlt_load_id`, so an incremental build only needs
    the rows of loads newer than the newest one the model already holds.
#}

{# `where <load id> > newest held` on an incremental build; nothing on a full build. #}
{% macro where_newer_load(load_id_column='_dlt_load_id') -%}
    {%- if is_incremental() %}
    where {{ load_id_column }} > {{ newest_load_id() }}
    {%- endif %}
{%- endmacro %}


{# The same condition after an existing `where`: `and <load id> > newest held`. #}
{% macro and_newer_load(load_id_column='_dlt_load_id') -%}
    {%- if is_incremental() %}
        and {{ load_id_column }} > {{ newest_load_id() }}
    {%- endif %}
{%- endmacro %}


{# The newest `dlt_load_id` that `relation` holds, `''` when it is empty (a scalar subquery). #}
{% macro newest_load_id(relation=this) -%}
    (select coalesce(max(loaded.dlt_load_id), '') from {{ relation }} as loaded)
{%- endmacro %}


{#
    The deals an incremental deal model recomputes, as a `select account_key, deal_id`: those
    whose change marker in `changes` (`int_deal_changes`, or `int_deals` downstream of it) is
    newer than the newest marker the model holds or missing (a lead known only from the amoCRM
    bin has nothing to mark it: a few, rebuilt every night), and, with `deleted_column`, those whose
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
    where changes.dlt_load_id > {{ newest_load_id() }} or changes.dlt_load_id is null
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
