{#
    dbt's own macro (tests/where_subquery.sql), overridden for issue #11: what a generic data
    test reads of the model it tests. As dbt's, it applies the test's `where` config; besides,
    on an incremental `dbt build` (no `--full-refresh`) of an incremental model, it reads only
    the rows this invocation wrote (`dbt_invocation_id`, `this_invocation()`): the rows kept
    from earlier builds passed these tests when they were written, and delete+insert rewrites
    every row of a key it touches, so grain tests still see whole deals and activities.
    `dbt test` alone, a build that does not build the model, or the var
    `data_tests_on_whole_tables: true` test whole tables.
#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if tests_rows_of_this_build() -%}
        {%- do conditions.append("dbt_invocation_id = '" ~ invocation_id ~ "'") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{# The test being compiled reads only its model's rows of this build (see above). #}
{% macro tests_rows_of_this_build() -%}
    {%- if not execute or flags.WHICH != 'build' or flags.FULL_REFRESH -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- if var('data_tests_on_whole_tables', false) -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {#- the model must be built by this invocation too (`dbt build -s test_type:generic` is not) -#}
    {%- do return(
        tested is not none
        and tested.resource_type == 'model'
        and tested.config.materialized == 'incremental'
        and tested.unique_id in selected_resources
    ) -%}
{%- endmacro %}
