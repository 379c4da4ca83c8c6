{#
    One row per CRM account (tenant). amoCRM: the account row gives name, currency and time
    zone; accounts that have data but no account row still appear (time zone from the var
    `amocrm_default_timezone`, currency from the var `amocrm_default_currency`, also used when
    `/account` has no `currency`). `as_of` is the latest timestamp seen in the account's data.
    Bitrix24: one row per portal seen in the data (`account_id` is the portal domain); currency
    from the base currency of `crm.currency.list`; time zone per portal from
    `raw_bitrix24.portal_settings`: the configured zone, else the fixed-offset zone of the UTC
    offset the API's timestamps carry, else Europe/Moscow.
    `data_horizon_at`: the start of the account's last successful dlt load (a load id of the
    account's rows that `_dlt_loads` records as completed), else `as_of` when the load log is
    not available. Nothing here depends on the time of the build.
    `data_start_at`: the earliest deal creation of the account (periods before it have no data).
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
        coalesce(
            account_rows.currency_code, '{{ var("amocrm_default_currency") }}'
        ) as currency_code,
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

bitrix24_portal_zones as (

    select
        account_key,
        coalesce(
            max(timezone), max({{ utc_offset_timezone('utc_offset') }})
        ) as timezone
    from {{ ref('stg_bitrix24__portal_settings') }}
    group by account_key

),

bitrix24_accounts as (

    select
        horizons.account_key,
        'bitrix24' as crm,
        substr(horizons.account_key, 10) as account_id,
        substr(horizons.account_key, 10) as account_name,
        base_currencies.currency_code,
        coalesce(portal_zones.timezone, 'Europe/Moscow') as timezone,
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
    left join bitrix24_portal_zones as portal_zones
        on horizons.account_key = portal_zones.account_key

),

accounts as (

    select * from amocrm_accounts
    union all
    select * from bitrix24_accounts

),

{# The load ids each account's own rows carry (a dataset's load log is shared by its accounts). #}
account_load_ids as (

    select distinct
        account_key,
        dlt_load_id,
        'amocrm' as crm
    from {{ ref('stg_amocrm__account') }}

    union all

    select distinct
        account_key,
        dlt_load_id,
        'amocrm' as crm
    from {{ ref('stg_amocrm__leads') }}

    union all

    select distinct
        account_key,
        dlt_load_id,
        'amocrm' as crm
    from {{ ref('stg_amocrm__events') }}

    union all

    select distinct
        account_key,
        dlt_load_id,
        'bitrix24' as crm
    from {{ ref('stg_bitrix24__portal_settings') }}

    union all

    select distinct
        account_key,
        dlt_load_id,
        'bitrix24' as crm
    from {{ ref('stg_bitrix24__deals') }}

    union all

    select distinct
        account_key,
        dlt_load_id,
        'bitrix24' as crm
    from {{ ref('stg_bitrix24__activities') }}

),

successful_loads as (

    select
        load_id,
        load_started_at,
        'amocrm' as crm
    from {{ ref('stg_amocrm__dlt_loads') }}
    where is_successful

    union all

    select
        load_id,
        load_started_at,
        'bitrix24' as crm
    from {{ ref('stg_bitrix24__dlt_loads') }}
    where is_successful

),

load_horizons as (

    select
        account_load_ids.account_key,
        max(successful_loads.load_started_at) as last_load_started_at
    from account_load_ids
    inner join successful_loads
        on
            account_load_ids.dlt_load_id = successful_loads.load_id
            and account_load_ids.crm = successful_loads.crm
    group by account_load_ids.account_key

),

data_starts as (

    select
        account_key,
        min(created_at) as data_start_at
    from {{ ref('stg_amocrm__leads') }}
    group by account_key

    union all

    select
        account_key,
        min(created_at) as data_start_at
    from {{ ref('stg_bitrix24__deals') }}
    group by account_key

),

with_horizons as (

    select
        accounts.account_key,
        accounts.crm,
        accounts.account_id,
        accounts.account_name,
        accounts.currency_code,
        accounts.timezone,
        accounts.as_of,
        coalesce(load_horizons.last_load_started_at, accounts.as_of) as data_horizon_at,
        data_starts.data_start_at
    from accounts
    left join load_horizons
        on accounts.account_key = load_horizons.account_key
    left join data_starts
        on accounts.account_key = data_starts.account_key

)

select
    account_key,
    crm,
    account_id,
    account_name,
    currency_code,
    timezone,
    as_of,
    {{ to_local_date('as_of', 'timezone') }} as as_of_date,
    data_horizon_at,
    {{ to_local_timestamp('data_horizon_at', 'timezone') }} as data_horizon_local,
    data_start_at,
    {{ to_local_date('data_start_at', 'timezone') }} as data_start_date
from with_horizons
