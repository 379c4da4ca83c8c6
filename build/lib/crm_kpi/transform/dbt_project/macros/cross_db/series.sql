{#
    The integers 0 .. 10^digits - 1 as a relation with one column `n`, in portable SQL
    (cross joins of a ten-row digits table; 5 digits = 100 000 days, about 270 years).
#}
{% macro integers(digits=5) -%}
    select
    {%- for i in range(digits) %}
        d{{ i }}.digit * {{ 10 ** i }}{{ " +" if not loop.last }}
    {%- endfor %} as n
    from
    {%- for i in range(digits) %}
        {{ digits_relation() }} as d{{ i }}{{ " cross join" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro digits_relation() -%}
    (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    )
{%- endmacro %}
