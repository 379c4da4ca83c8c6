{#
    One row per stage of a pipeline, with its semantics (open / won / lost) from the CRM's
    pipeline metadata: the union of the per-CRM models int_<crm>__pipeline_stages.
#}
with stages as (

    {{ union_crm_models('pipeline_stages') }}

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
