{#
    One row per stage of a pipeline, with its semantics (open / won / lost) from the CRM's
    pipeline metadata (amoCRM: status 142 won, 143 lost, every other status open; Bitrix24: crm.status.list DEAL_STAGE[_n]
    SEMANTICS S won, F lost, else open; pipelines are deal categories, 0 the main one).
#}
with amocrm_statuses as (

    select * from {{ ref('stg_amocrm__pipeline_statuses') }}

),

amocrm_pipelines as (

    select * from {{ ref('stg_amocrm__pipelines') }}

),

amocrm_stages as (

    select
        statuses.account_key,
        statuses.pipeline_id,
        statuses.status_id as stage_id,
        pipelines.pipeline_name,
        pipelines.pipeline_sort,
        coalesce(pipelines.is_main, false) as is_main_pipeline,
        coalesce(pipelines.is_archived, false) as is_archived_pipeline,
        statuses.status_name as stage_name,
        statuses.status_sort as stage_sort,
        statuses.status_type as stage_type,
        statuses.is_unsorted as is_unsorted_stage
    from amocrm_statuses as statuses
    left join amocrm_pipelines as pipelines
        on
            statuses.account_key = pipelines.account_key
            and statuses.pipeline_id = pipelines.pipeline_id

),

bitrix24_stages as (

    select
        statuses.account_key,
        statuses.pipeline_id,
        statuses.status_id as stage_id,
        categories.pipeline_name,
        categories.pipeline_sort,
        coalesce(categories.is_default, statuses.pipeline_id = '0') as is_main_pipeline,
        false as is_archived_pipeline,
        statuses.status_name as stage_name,
        statuses.status_sort as stage_sort,
        statuses.status_type as stage_type,
        false as is_unsorted_stage
    from {{ ref('stg_bitrix24__statuses') }} as statuses
    left join {{ ref('stg_bitrix24__categories') }} as categories
        on
            statuses.account_key = categories.account_key
            and statuses.pipeline_id = categories.pipeline_id
    where statuses.pipeline_id is not null

)

select * from amocrm_stages
union all
select * from bitrix24_stages
