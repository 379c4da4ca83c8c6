{#
    One row per (account, currency): the rate that converts an amount in that currency into
    the account's base currency (amount_base = amount * rate_to_base). amoCRM has one account
    currency (rate 1). Bitrix24: crm.currency.list, AMOUNT / AMOUNT_CNT; the BASE currency is 1.
#}
with amocrm_rates as (

    select
        account_key,
        currency_code,
        cast(1 as {{ type_double() }}) as rate_to_base,
        true as is_base
    from {{ ref('int_accounts') }}
    where crm = 'amocrm' and currency_code is not null

),

bitrix24_rates as (

    select
        account_key,
        currency_code,
        case when is_base then cast(1 as {{ type_double() }}) else rate_to_base end as rate_to_base,
        is_base
    from {{ ref('stg_bitrix24__currencies') }}

)

select * from amocrm_rates
union all
select * from bitrix24_rates
