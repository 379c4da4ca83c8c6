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
    UTC timestamp (without time zone) -> local timestamp (without time zone) in the IANA time
    zone `tz` (a column or a quoted literal). DuckDB uses its built-in ICU extension.
#}
{% macro to_local_timestamp(utc_timestamp, tz) -%}
    {{ adapter.dispatch('to_local_timestamp', 'crm_kpi')(utc_timestamp, tz) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_timestamp, tz) -%}
    (({{ utc_timestamp }} at time zone 'UTC') at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__to_local_timestamp(utc_timestamp, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ utc_timestamp }}))
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
