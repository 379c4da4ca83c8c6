{# Unix seconds (UTC) -> timestamp without time zone, in UTC. #}
{% macro epoch_to_timestamp(epoch_seconds) -%}
    {{ adapter.dispatch('epoch_to_timestamp', 'crm_kpi')(epoch_seconds) }}
{%- endmacro %}

{% macro default__epoch_to_timestamp(epoch_seconds) -%}
    (to_timestamp({{ epoch_seconds }}) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__epoch_to_timestamp(epoch_seconds) -%}
    make_timestamp(cast({{ epoch_seconds }} as bigint) * 1000000)
{%- endmacro %}


{#
    A timestamp with an offset (ISO 8601 text, or a `timestamp with time zone` typed by dlt)
    -> timestamp without time zone, in UTC. '' is NULL.
#}
{% macro offset_timestamp_to_utc(column) -%}
    {{ adapter.dispatch('offset_timestamp_to_utc', 'crm_kpi')(column) }}
{%- endmacro %}

{% macro default__offset_timestamp_to_utc(column) -%}
    (cast(nullif(cast({{ column }} as {{ dbt.type_string() }}), '') as timestamp with time zone) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__offset_timestamp_to_utc(column) -%}
    timezone('UTC', cast(nullif(cast({{ column }} as {{ dbt.type_string() }}), '') as timestamp with time zone))
{%- endmacro %}


{#
    A UTC offset as text (`+07:00`, `-03:00`, `+0530`) -> the IANA zone with that fixed offset,
    or NULL when the text is not an offset. Whole hours map to `Etc/GMT∓h` (the Etc zones
    invert the sign: `Etc/GMT-7` is UTC+07:00); the fractional offsets in use today map to the
    zone that has them all year.
#}
{% macro utc_offset_timezone(offset_text) -%}
    {%- set normalized = "replace(trim(cast(" ~ offset_text ~ " as " ~ dbt.type_string() ~ ")), ':', '')" -%}
    case
        when {{ normalized }} in ('+0000', '-0000', 'Z') then 'UTC'
        when {{ normalized }} = '+0530' then 'Asia/Kolkata'
        when {{ normalized }} = '+0545' then 'Asia/Kathmandu'
        when {{ normalized }} = '+0430' then 'Asia/Kabul'
        when {{ normalized }} = '+0330' then 'Asia/Tehran'
        when {{ normalized }} = '+0630' then 'Asia/Yangon'
        when {{ normalized }} = '+0930' then 'Australia/Darwin'
        when {{ normalized }} = '-0930' then 'Pacific/Marquesas'
        when
            length({{ normalized }}) = 5
            and substr({{ normalized }}, 1, 1) in ('+', '-')
            and substr({{ normalized }}, 4, 2) = '00'
            and substr({{ normalized }}, 2, 2)
            between '00' and case when substr({{ normalized }}, 1, 1) = '+' then '14' else '12' end
            then 'Etc/GMT'
            || case when substr({{ normalized }}, 1, 1) = '+' then '-' else '+' end
            || cast(cast(substr({{ normalized }}, 2, 2) as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
    end
{%- endmacro %}


{#
    UTC timestamp (without time zone) -> local timestamp (without time zone) in the IANA time
    zone `tz` (a column or a quoted literal). DuckDB uses its built-in ICU extension.
    `utc_timestamp` is parenthesized: PostgreSQL's `at time zone` binds tighter than `+`, so
    `t + interval '1 hour' at time zone 'UTC'` would be `timezone('UTC', interval)`.
#}
{% macro to_local_timestamp(utc_timestamp, tz) -%}
    {{ adapter.dispatch('to_local_timestamp', 'crm_kpi')(utc_timestamp, tz) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_timestamp, tz) -%}
    ((({{ utc_timestamp }}) at time zone 'UTC') at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__to_local_timestamp(utc_timestamp, tz) -%}
    timezone({{ tz }}, timezone('UTC', ({{ utc_timestamp }})))
{%- endmacro %}


{# UTC timestamp -> local calendar date in the time zone `tz`. #}
{% macro to_local_date(utc_timestamp, tz) -%}
    cast({{ to_local_timestamp(utc_timestamp, tz) }} as date)
{%- endmacro %}


{# First day of the month / ISO week (Monday) / quarter / year of a date, as a date. #}
{% macro period_start(datepart, date_expression) -%}
    cast({{ dbt.date_trunc(datepart, date_expression) }} as date)
{%- endmacro %}


{# date + n days, as a date. #}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}


{# Fractional seconds/minutes/days between two timestamps (second precision). #}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    cast({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} as {{ type_double() }})
{%- endmacro %}

{% macro minutes_between(start_timestamp, end_timestamp) -%}
    ({{ seconds_between(start_timestamp, end_timestamp) }} / 60)
{%- endmacro %}

{% macro hours_between(start_timestamp, end_timestamp) -%}
    ({{ seconds_between(start_timestamp, end_timestamp) }} / 3600)
{%- endmacro %}

{% macro days_between(start_timestamp, end_timestamp) -%}
    ({{ seconds_between(start_timestamp, end_timestamp) }} / 86400)
{%- endmacro %}


{#
    Complete period (catalogue section 1, "data horizon, partial periods"): true only when the
    period [period_start, period_end_exclusive) ended, in local time, at or before the
    account's data horizon, and the account's data starts on or before the period's first day
    (a quarter whose data starts mid-quarter is not complete). `accounts` is a relation alias
    with `data_horizon_local` and `data_start_date` (int_accounts / dim_accounts).
#}
{% macro is_complete_period(period_start, period_end_exclusive, accounts='accounts') -%}
    coalesce(
        cast({{ period_end_exclusive }} as {{ dbt.type_timestamp() }}) <= {{ accounts }}.data_horizon_local
        and {{ accounts }}.data_start_date <= {{ period_start }},
        false
    )
{%- endmacro %}
