{# One row per Bitrix24 user (manager), with the team: the first department of user.get UF_DEPARTMENT. #}
select
    user_rows.account_key,
    user_rows.user_id as manager_id,
    user_rows.user_name as manager_name,
    user_rows.email,
    user_rows.department_id as team_id,
    departments.department_name as team_name,
    user_rows.is_active,
    false as is_admin
from {{ ref('stg_bitrix24__users') }} as user_rows
left join {{ ref('stg_bitrix24__departments') }} as departments
    on
        user_rows.account_key = departments.account_key
        and user_rows.department_id = departments.department_id
