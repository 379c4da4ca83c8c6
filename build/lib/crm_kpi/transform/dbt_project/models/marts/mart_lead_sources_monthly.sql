{#
    Lead source x local calendar month. Deals without a lead source are grouped under
    '(not set)'. Spend comes from the marketing-spend input; CAC and ROMI are NULL when their
    denominator is 0 or when no spend was given for the source and month.
#}
with deals as (

    select
        account_key,
        coalesce(lead_source, '(not set)') as lead_source,
        status,
        amount,
        created_date,
        closed_date
    from {{ ref('fct_deals') }}
    where not is_deleted

),

accounts as (

    select
        account_key,
        data_horizon_local,
        data_start_date
    from {{ ref('int_accounts') }}

),

spend as (

    select
        account_key,
        lead_source,
        month_start,
        sum(spend) as marketing_spend
    from {{ ref('stg_inputs__marketing_spend') }}
    group by account_key, lead_source, month_start

),

created as (

    select
        account_key,
        lead_source,
        {{ period_start('month', 'created_date') }} as month_start,
        count(*) as deals_created,
        sum(case when status = 'won' then 1 else 0 end) as cohort_deals_won
    from deals
    group by account_key, lead_source, {{ period_start('month', 'created_date') }}

),

won as (

    select
        account_key,
        lead_source,
        {{ period_start('month', 'closed_date') }} as month_start,
        count(*) as deals_won,
        sum(coalesce(amount, 0)) as revenue
    from deals
    where status = 'won' and closed_date is not null
    group by account_key, lead_source, {{ period_start('month', 'closed_date') }}

),

source_months as (

    select
        account_key,
        lead_source,
        month_start
    from created
    union
    select
        account_key,
        lead_source,
        month_start
    from won
    union
    select
        account_key,
        lead_source,
        month_start
    from spend

)

select
    source_months.account_key,
    source_months.lead_source,
    source_months.month_start,
    {{ is_complete_period('source_months.month_start', dbt.dateadd('month', 1, 'source_months.month_start')) }}
        as is_complete_period,
    cast(coalesce(created.deals_created, 0) as {{ dbt.type_bigint() }}) as deals_created,
    cast(coalesce(won.deals_won, 0) as {{ dbt.type_bigint() }}) as deals_won,
    cast(coalesce(won.revenue, 0) as {{ type_money() }}) as revenue,
    {{ safe_divide('created.cohort_deals_won', 'created.deals_created') }} as cohort_conversion_rate,
    cast(spend.marketing_spend as {{ type_money() }}) as marketing_spend,
    cast({{ safe_divide('spend.marketing_spend', 'won.deals_won') }} as {{ type_money() }}) as cac,
    {{ safe_divide('coalesce(won.revenue, 0) - spend.marketing_spend', 'spend.marketing_spend') }}
        as romi
from source_months
left join accounts
    on source_months.account_key = accounts.account_key
left join created
    on
        source_months.account_key = created.account_key
        and source_months.lead_source = created.lead_source
        and source_months.month_start = created.month_start
left join won
    on
        source_months.account_key = won.account_key
        and source_months.lead_source = won.lead_source
        and source_months.month_start = won.month_start
left join spend
    on
        source_months.account_key = spend.account_key
        and source_months.lead_source = spend.lead_source
        and source_months.month_start = spend.month_start
