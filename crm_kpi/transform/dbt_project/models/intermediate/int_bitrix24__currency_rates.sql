{# One row per (portal, currency) of crm.currency.list: AMOUNT / AMOUNT_CNT; the BASE currency is 1. #}
select
    account_key,
    currency_code,
    case when is_base then cast(1 as {{ type_double() }}) else rate_to_base end as rate_to_base,
    is_base
from {{ ref('stg_bitrix24__currencies') }}
