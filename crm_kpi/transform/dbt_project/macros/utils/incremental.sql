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
    newer than the newest marker the model holds; those the model holds as deleted
    (`deleted_column`; a lead taken out of the amoCRM bin leaves no newer row to mark); and
    those the CRM updated within the var `incremental_lookback_days` of the account's `as_of`
    (late edits, reopened deals), from `updated_deals` (account_key, deal_id, updated_at;
    default: the raw deal rows). The model must ref `int_accounts` and what it passes.
#}
{% macro deals_to_rebuild(changes, deleted_column=none, updated_deals=none) -%}
    {%- if updated_deals is none -%}
        {%- set updates = raw_deal_updates() -%}
    {%- else -%}
        {%- set updates = 'select account_key, deal_id, updated_at from ' ~ updated_deals -%}
    {%- endif %}
    select
        changes.account_key,
        changes.deal_id
    from {{ changes }} as changes
    where changes.dlt_load_id > {{ newest_load_id() }}
    {%- if deleted_column %}

    union

    select
        held.account_key,
        held.deal_id
    from {{ this }} as held
    where held.{{ deleted_column }}
    {%- endif %}

    union

    select
        updated_deals.account_key,
        updated_deals.deal_id
    from ({{ updates }}) as updated_deals
    inner join {{ ref('int_accounts') }} as accounts
        on updated_deals.account_key = accounts.account_key
    where updated_deals.updated_at >= {{ lookback_start('accounts.as_of') }}
{%- endmacro %}


{# account_key, deal_id, updated_at of every raw deal row (amoCRM leads, Bitrix24 deals). #}
{% macro raw_deal_updates() -%}
    select
        account_key,
        lead_id as deal_id,
        updated_at
    from {{ ref('stg_amocrm__leads') }}

    union all

    select
        account_key,
        deal_id,
        updated_at
    from {{ ref('stg_bitrix24__deals') }}
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
