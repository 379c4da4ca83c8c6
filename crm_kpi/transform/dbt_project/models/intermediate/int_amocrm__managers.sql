{# One row per amoCRM user (manager), with the team: rights.group_id and the account's users_groups. #}
with amocrm_users as (

    select * from {{ ref('stg_amocrm__users') }}

),

amocrm_groups as (

    select * from {{ ref('stg_amocrm__users_groups') }}

)

select
    user_rows.account_key,
    user_rows.user_id as manager_id,
    user_rows.user_name as manager_name,
    user_rows.email,
    user_rows.group_id as team_id,
    user_groups.group_name as team_name,
    coalesce(user_rows.is_active, true) as is_active,
    coalesce(user_rows.is_admin, false) as is_admin
from amocrm_users as user_rows
left join amocrm_groups as user_groups
    on
        user_rows.account_key = user_groups.account_key
        and user_rows.group_id = user_groups.group_id
