{# Incremental: only the rows of loads newer than the model holds of their account (dlt merges). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'event_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'events') }}

),

{#
    Each JSON payload is parsed once per row (issue #11): `parsed` keeps the texts of the paths
    the model reads, `renamed` picks them.
#}
{%- set pipeline_path = [0, 'lead_status', 'pipeline_id'] %}
{%- set status_path = [0, 'lead_status', 'id'] %}
{%- set responsible_path = [0, 'responsible_user', 'id'] %}
{%- set note_path = [0, 'note', 'id'] %}
{%- set message_path = [0, 'message', 'id'] %}
{%- set before_paths = [pipeline_path, status_path, responsible_path] %}
{%- set after_paths = [pipeline_path, status_path, responsible_path, note_path, message_path] %}

parsed as (

    select
        account_id,
        id,
        type,
        entity_id,
        entity_type,
        created_by,
        created_at,
        {{ json_parse_paths('value_before', before_paths) }} as before_texts,
        {{ json_parse_paths('value_after', after_paths) }} as after_texts,
        _dlt_load_id
    from source{{ where_newer_raw_load('raw_amocrm', 'events', amocrm_account_key('source.account_id')) }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        cast(id as {{ dbt.type_string() }}) as event_id,
        type as event_type,
        {{ id_text('entity_id') }} as entity_id,
        lower(entity_type) as entity_type,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        coalesce(created_by = 0, false) as is_robot,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ json_parsed_text('before_texts', before_paths, pipeline_path) }} as pipeline_before_id,
        {{ json_parsed_text('before_texts', before_paths, status_path) }} as status_before_id,
        {{ amocrm_status_type(json_parsed_text('before_texts', before_paths, status_path)) }} as status_before_type,
        {{ json_parsed_text('after_texts', after_paths, pipeline_path) }} as pipeline_after_id,
        {{ json_parsed_text('after_texts', after_paths, status_path) }} as status_after_id,
        {{ amocrm_status_type(json_parsed_text('after_texts', after_paths, status_path)) }} as status_after_type,
        {{ amocrm_user_id(json_parsed_text('before_texts', before_paths, responsible_path)) }} as responsible_before_id,
        {{ amocrm_user_id(json_parsed_text('after_texts', after_paths, responsible_path)) }} as responsible_after_id,
        {{ json_parsed_text('after_texts', after_paths, note_path) }} as note_id,
        {{ json_parsed_text('after_texts', after_paths, message_path) }} as message_id,
        _dlt_load_id as dlt_load_id
    from parsed

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from renamed
