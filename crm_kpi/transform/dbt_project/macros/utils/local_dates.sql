{#
    Local dates at scale (issue #11): one time-zone conversion per account and UTC hour, not
    one per timestamp (DuckDB's ICU conversion with a zone read from a column costs ~10 us a
    value). `local_hour_offsets(hours, accounts)` renders a select of `hours` (account_key,
    utc_hour: distinct UTC hours) with the local time at the hour's start and end in the
    account's `timezone` (`accounts`: account_key, timezone); `local_date_by_hour(offsets,
    utc_timestamp, tz)` is the local date of a timestamp from the row of `offsets` joined on
    its hour. Exact: within an hour whose UTC offset changes (a transition off the whole
    hour, as in Newfoundland), it falls back to `to_local_date()` of the value itself.
#}
{% macro local_hour_offsets(hours, accounts) -%}
    select
        hour_rows.account_key,
        hour_rows.utc_hour,
        {{ to_local_timestamp('hour_rows.utc_hour', 'account_rows.timezone') }} as local_hour_start,
        {{ to_local_timestamp(dbt.dateadd('hour', 1, 'hour_rows.utc_hour'), 'account_rows.timezone') }} as local_hour_end
    from {{ hours }} as hour_rows
    inner join {{ accounts }} as account_rows
        on hour_rows.account_key = account_rows.account_key
    where hour_rows.utc_hour is not null
{%- endmacro %}


{% macro local_date_by_hour(offsets, utc_timestamp, tz) -%}
    case
        when {{ offsets }}.local_hour_end = {{ dbt.dateadd('hour', 1, offsets ~ '.local_hour_start') }}
            then cast({{ utc_timestamp }} + ({{ offsets }}.local_hour_start - {{ offsets }}.utc_hour) as date)
        else {{ to_local_date(utc_timestamp, tz) }}
    end
{%- endmacro %}
