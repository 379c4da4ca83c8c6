{{ config(severity='warn') }}
-- Data quality (warning): a won or lost deal without any closing time (no stage-change event
-- and no CRM closed_at) cannot be placed in a period, so it is missing from every won/lost KPI.
select
    account_key,
    deal_id,
    status
from {{ ref('fct_deals') }}
where status in ('won', 'lost') and closed_at is null and not is_deleted
