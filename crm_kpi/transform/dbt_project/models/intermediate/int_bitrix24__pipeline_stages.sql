{#
    One row per Bitrix24 deal stage: crm.status.list DEAL_STAGE[_n], SEMANTICS S won, F lost,
    else open; pipelines are deal categories, 0 the main one.
#}
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
