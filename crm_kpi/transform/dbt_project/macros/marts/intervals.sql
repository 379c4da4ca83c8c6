{#
    Date intervals [start, end) for the marts' event streams (issue #11): NULL start = since
    ever, NULL end = still running. Portable CASE expressions: PostgreSQL's greatest/least skip
    NULLs, which here mean "unbounded", so they are not used.
#}

{# The later of two interval starts (the start of their intersection). #}
{% macro later_start(first_start, second_start) -%}
    case
        when {{ first_start }} is null then {{ second_start }}
        when {{ second_start }} is null then {{ first_start }}
        when {{ first_start }} > {{ second_start }} then {{ first_start }}
        else {{ second_start }}
    end
{%- endmacro %}


{# The earlier of two interval ends (the end of their intersection). #}
{% macro earlier_end(first_end, second_end) -%}
    case
        when {{ first_end }} is null then {{ second_end }}
        when {{ second_end }} is null then {{ first_end }}
        when {{ first_end }} < {{ second_end }} then {{ first_end }}
        else {{ second_end }}
    end
{%- endmacro %}


{# `where`-condition: the interval [start, end) holds at least one day. #}
{% macro is_nonempty_interval(start_column, end_column) -%}
    ({{ end_column }} is null or {{ start_column }} < {{ end_column }})
{%- endmacro %}
