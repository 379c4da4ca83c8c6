{# One row per amoCRM pipeline status: status 142 is won, 143 lost, every other status open. #}
with amocrm_statuses as (

    select * from {{ ref('stg_amocrm__pipeline_statuses') }}

),

amocrm_pipelines as (

    select * from {{ ref('stg_amocrm__pipelines') }}

)

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
