{#
    One row per user (manager) of a CRM account, with the team (amoCRM: rights.group_id and the
    account's users_groups; Bitrix24: the first department of user.get UF_DEPARTMENT).
#}
with amocrm_users as (

    select * from {{ ref('stg_amocrm__users') }}

),

amocrm_groups as (

    select * from {{ ref('stg_amocrm__users_groups') }}

),

amocrm_managers as (

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

),

bitrix24_managers as (

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

)

select * from amocrm_managers
union all
select * from bitrix24_managers
