with stages as (

    select * from {{ ref('int_pipeline_stages') }}

)

select
    account_key,
    pipeline_id,
    stage_id,
    pipeline_name,
    pipeline_sort,
    is_main_pipeline,
    is_archived_pipeline,
    stage_name,
    stage_sort,
    stage_type,
    is_unsorted_stage
from stages
