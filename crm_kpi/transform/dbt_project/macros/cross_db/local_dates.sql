{#
    Local dates at scale (issue #11): one time-zone conversion per account and UTC hour, not
    one per timestamp. DuckDB's ICU conversion with the zone read from a column costs several
    microseconds a value (2M values: 7.4 s against 2.6 s through the hours, measured on this
    machine), and the facts convert millions of timestamps.

    - `local_hour_offsets(hours, accounts)`: a select of the distinct (account_key, utc_hour)
      of the relation or CTE `hours` (account_key, utc_hour: `utc_hour()` of the timestamps),
      with `utc_offset`, the interval local time is ahead of UTC throughout that hour, for the
      account's `timezone` (`accounts`: account_key, timezone). An hour whose offset changes
      inside it (a transition off the whole hour) has no row.
    - `local_date_by_hour(offsets, utc_timestamp, tz)`: the local date of `utc_timestamp` from
      the row of `offsets` (a `local_hour_offsets` CTE left-joined on the account and
      `utc_hour(utc_timestamp)`); without a row, `to_local_date()` of the value itself. Exactly
      `to_local_date(utc_timestamp, tz)`.
#}
{% macro utc_hour(utc_timestamp) -%}
    {{ dbt.date_trunc('hour', utc_timestamp) }}
{%- endmacro %}


{% macro local_hour_offsets(hours, accounts) -%}
    select
        hour_rows.account_key,
        hour_rows.utc_hour,
        {{ utc_offset_at('hour_rows.utc_hour', 'account_rows.timezone') }} as utc_offset
    from (
        select distinct
            account_key,
            utc_hour
        from {{ hours }}
        where utc_hour is not null
    ) as hour_rows
    inner join {{ accounts }} as account_rows
        on hour_rows.account_key = account_rows.account_key
    where
        {{ utc_offset_at('hour_rows.utc_hour', 'account_rows.timezone') }}
        = {{ utc_offset_at(dbt.dateadd('hour', 1, 'hour_rows.utc_hour'), 'account_rows.timezone') }}
{%- endmacro %}


{% macro local_date_by_hour(offsets, utc_timestamp, tz) -%}
    case
        when {{ offsets }}.utc_offset is not null
            then cast(({{ utc_timestamp }}) + {{ offsets }}.utc_offset as date)
        else {{ to_local_date(utc_timestamp, tz) }}
    end
{%- endmacro %}


{# The interval the local time in zone `tz` is ahead of UTC at the UTC timestamp. #}
{% macro utc_offset_at(utc_timestamp, tz) -%}
    ({{ to_local_timestamp(utc_timestamp, tz) }} - ({{ utc_timestamp }}))
{%- endmacro %}
