{# ['a', 'b'] -> 'a', 'b' (SQL string literals for an `in (...)` list). #}
{% macro quoted_list(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
