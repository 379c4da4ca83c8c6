with accounts as (

    select * from {{ ref('int_accounts') }}

)

select
    account_key,
    crm,
    account_id,
    account_name,
    currency_code,
    timezone,
    data_horizon_at,
    data_horizon_local,
    data_start_date
from accounts
