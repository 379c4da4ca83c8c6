{#
    One row per (account, currency): the rate that converts an amount in that currency into
    the account's base currency (amount_base = amount * rate_to_base); the union of the
    per-CRM models int_<crm>__currency_rates.
#}
with rates as (

    {{ union_crm_models('currency_rates') }}

)

select
    account_key,
    currency_code,
    rate_to_base,
    is_base
from rates
