{#
    One row per amoCRM (lead, contact) link as seen from either side: the lead's
    `_embedded.contacts` and the contact's `_embedded.leads`.
#}
select
    account_key,
    lead_id as deal_id,
    contact_id,
    is_main_contact
from {{ ref('stg_amocrm__lead_contacts') }}

union all

select
    account_key,
    lead_id as deal_id,
    contact_id,
    false as is_main_contact
from {{ ref('stg_amocrm__contact_leads') }}
