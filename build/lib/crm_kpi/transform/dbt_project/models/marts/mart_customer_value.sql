{#
    One row per customer with at least one won deal: the deal's company, else its main
    contact. Deleted deals are excluded. predicted_cltv = revenue to date + the average deal
    value times the account's repeat rate (share of customers with more than one won deal).
#}
with won_deals as (

    select
        account_key,
        coalesce(company_id, contact_id) as customer_id,
        case when company_id is not null then 'company' else 'contact' end as customer_type,
        amount,
        closed_at
    from {{ ref('fct_deals') }}
    where
        not is_deleted
        and status = 'won'
        and (company_id is not null or contact_id is not null)

),

customers as (

    select
        account_key,
        customer_type,
        customer_id,
        min(closed_at) as first_won_at,
        max(closed_at) as last_won_at,
        count(*) as deals_won,
        sum(coalesce(amount, 0)) as revenue_total
    from won_deals
    group by account_key, customer_type, customer_id

),

repeat_rates as (

    select
        account_key,
        {{ safe_divide('sum(case when deals_won > 1 then 1 else 0 end)', 'count(*)') }} as repeat_rate
    from customers
    group by account_key

)

select
    customers.account_key,
    {{ concat_parts(['customers.customer_type', "':'", 'customers.customer_id']) }} as customer_id,
    customers.customer_type,
    customers.customer_id as native_customer_id,
    customers.first_won_at,
    customers.last_won_at,
    cast(customers.deals_won as {{ dbt.type_bigint() }}) as deals_won,
    cast(customers.revenue_total as {{ type_money() }}) as revenue_total,
    cast({{ safe_divide('customers.revenue_total', 'customers.deals_won') }} as {{ type_money() }})
        as avg_deal_value,
    cast(
        customers.revenue_total
        + {{ safe_divide('customers.revenue_total', 'customers.deals_won') }} * coalesce(repeat_rates.repeat_rate, 0)
        as {{ type_money() }}
    ) as predicted_cltv,
    repeat_rates.repeat_rate
from customers
left join repeat_rates
    on customers.account_key = repeat_rates.account_key
