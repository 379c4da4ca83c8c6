{#
    One row per CRM account (tenant). amoCRM: the account row gives name, currency and time
    zone; accounts that have data but no account row still appear (time zone from the var
    `amocrm_default_timezone`). `as_of` is the account's data horizon: the latest timestamp seen
    in its data, so nothing downstream depends on the time of the build.
    Bitrix24: one row per portal seen in the data (`account_id` is the portal domain); currency
    from the base currency of `crm.currency.list`; time zone from the var `bitrix24_timezone`
    (default Europe/Moscow, the portal time zone).
#}
with amocrm_account_rows as (

    select
        account_key,
        account_id,
        account_name,
        currency_code,
        timezone
    from {{ ref('stg_amocrm__account') }}

),

amocrm_observed_timestamps as (

    select
        account_key,
        account_id,
        max(updated_at) as max_observed_at
    from {{ ref('stg_amocrm__leads') }}
    group by account_key, account_id

    union all

    select
        account_key,
        account_id,
        max(updated_at) as max_observed_at
    from {{ ref('stg_amocrm__contacts') }}
    group by account_key, account_id

    union all

    select
        account_key,
        account_id,
        max(updated_at) as max_observed_at
    from {{ ref('stg_amocrm__tasks') }}
    group by account_key, account_id

    union all

    select
        account_key,
        account_id,
        max(created_at) as max_observed_at
    from {{ ref('stg_amocrm__events') }}
    group by account_key, account_id

    union all

    select
        account_key,
        account_id,
        max(updated_at) as max_observed_at
    from {{ ref('stg_amocrm__lead_notes') }}
    group by account_key, account_id

    union all

    select
        account_key,
        account_id,
        max(updated_at) as max_observed_at
    from {{ ref('stg_amocrm__contact_notes') }}
    group by account_key, account_id

),

amocrm_horizons as (

    select
        account_key,
        max(account_id) as account_id,
        max(max_observed_at) as as_of
    from amocrm_observed_timestamps
    where account_key is not null
    group by account_key

),

amocrm_accounts as (

    select
        coalesce(account_rows.account_key, horizons.account_key) as account_key,
        'amocrm' as crm,
        coalesce(account_rows.account_id, horizons.account_id) as account_id,
        account_rows.account_name,
        account_rows.currency_code,
        coalesce(account_rows.timezone, '{{ var("amocrm_default_timezone") }}') as timezone,
        horizons.as_of
    from amocrm_account_rows as account_rows
    full outer join amocrm_horizons as horizons
        on account_rows.account_key = horizons.account_key

),

bitrix24_observed_timestamps as (

    select
        account_key,
        max(updated_at) as max_observed_at
    from {{ ref('stg_bitrix24__deals') }}
    group by account_key

    union all

    select
        account_key,
        max(updated_at) as max_observed_at
    from {{ ref('stg_bitrix24__activities') }}
    group by account_key

    union all

    select
        account_key,
        max(updated_at) as max_observed_at
    from {{ ref('stg_bitrix24__tasks') }}
    group by account_key

    union all

    select
        account_key,
        max(created_at) as max_observed_at
    from {{ ref('stg_bitrix24__timeline_comments') }}
    group by account_key

    union all

    select
        account_key,
        max(created_at) as max_observed_at
    from {{ ref('stg_bitrix24__deal_stage_history') }}
    group by account_key

),

bitrix24_base_currencies as (

    select
        account_key,
        max(currency_code) as currency_code
    from {{ ref('stg_bitrix24__currencies') }}
    where is_base
    group by account_key

),

bitrix24_accounts as (

    select
        horizons.account_key,
        'bitrix24' as crm,
        substr(horizons.account_key, 10) as account_id,
        substr(horizons.account_key, 10) as account_name,
        base_currencies.currency_code,
        '{{ var("bitrix24_timezone", "Europe/Moscow") }}' as timezone,
        horizons.as_of
    from (
        select
            account_key,
            max(max_observed_at) as as_of
        from bitrix24_observed_timestamps
        where account_key is not null
        group by account_key
    ) as horizons
    left join bitrix24_base_currencies as base_currencies
        on horizons.account_key = base_currencies.account_key

),

accounts as (

    select * from amocrm_accounts
    union all
    select * from bitrix24_accounts

)

select
    account_key,
    crm,
    account_id,
    account_name,
    currency_code,
    timezone,
    as_of,
    {{ to_local_date('as_of', 'timezone') }} as as_of_date
from accounts
