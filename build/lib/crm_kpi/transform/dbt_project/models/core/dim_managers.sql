with managers as (

    select * from {{ ref('int_managers') }}

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
