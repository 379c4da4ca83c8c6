{# One row per amoCRM account: its one currency, rate 1. #}
select
    account_key,
    currency_code,
    cast(1 as {{ type_double() }}) as rate_to_base,
    true as is_base
from {{ ref('int_accounts') }}
where crm = 'amocrm' and currency_code is not null
