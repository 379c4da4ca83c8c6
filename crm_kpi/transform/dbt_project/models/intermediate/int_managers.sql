{#
    One row per user (manager) of a CRM account, with the team: the union of the per-CRM
    models int_<crm>__managers (which document each CRM's source of the team).
#}
with managers as (

    {{ union_crm_models('managers') }}

)

select
    account_key,
    manager_id,
    manager_name,
    email,
    team_id,
    team_name,
    is_active,
    is_admin
from managers
