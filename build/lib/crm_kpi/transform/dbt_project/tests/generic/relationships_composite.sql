{#
    Every row of `model` whose `columns` are all non-NULL has a row in `to` with the same
    values (a relationships test on a composite key such as (account_key, manager_id)).
    `to_columns` defaults to the same names.
#}
{% test relationships_composite(model, to, columns, to_columns=none) %}

{%- set parent_columns = to_columns if to_columns is not none else columns -%}

with children as (

    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where
        {%- for column in columns %}
        {{ column }} is not null{{ " and" if not loop.last }}
        {%- endfor %}

),

parents as (

    select distinct
        {%- for column in parent_columns %}
        {{ column }} as parent_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ to }}

)

select children.*
from children
left join parents
    on
        {%- for column in columns %}
        children.{{ column }} = parents.parent_{{ loop.index }}{{ " and" if not loop.last }}
        {%- endfor %}
where parents.parent_1 is null

{% endtest %}
