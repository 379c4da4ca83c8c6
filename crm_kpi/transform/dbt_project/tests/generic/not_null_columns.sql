{#
    None of `column_names` holds a NULL in `model`: dbt's `not_null` for several columns in one
    scan and one test node (a node per column cost ~0.1 s of dbt's overhead each, 300 of them
    per build: issue #11). Fails with one row per column that holds NULLs: the column's name
    and how many rows.
#}
{% test not_null_columns(model, column_names) %}

with null_counts as (

    select
        {%- for column in column_names %}
        count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

columns_with_nulls as (

    {%- for column in column_names %}
    select
        '{{ column }}' as column_name,
        nulls_{{ loop.index }} as null_rows
    from null_counts
    {{ "union all" if not loop.last }}
    {%- endfor %}

)

select
    column_name,
    null_rows
from columns_with_nulls
where null_rows > 0

{% endtest %}
