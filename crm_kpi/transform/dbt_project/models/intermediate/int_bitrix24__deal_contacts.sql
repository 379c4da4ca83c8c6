{# One row per Bitrix24 deal with its CONTACT_ID (the main contact). #}
select
    account_key,
    deal_id,
    contact_id,
    true as is_main_contact
from {{ ref('stg_bitrix24__deals') }}
