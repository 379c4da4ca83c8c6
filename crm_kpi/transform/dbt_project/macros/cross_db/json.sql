{#
    JSON decoding for the JSON columns dlt writes (max_table_nesting=0).

    `path` is a list of object keys (strings) and array indexes (integers), e.g.
    ['datetime_settings', 'timezone'] or [0, 'lead_status', 'id']. The result is text (NULL when
    the path does not exist or the value is JSON null); cast it in the model.
#}
{% macro json_text(json_column, path) -%}
    {{ adapter.dispatch('json_text', 'crm_kpi')(json_column, path) }}
{%- endmacro %}

{% macro default__json_text(json_column, path) -%}
    (cast({{ json_column }} as jsonb) #>> '{{ postgres_json_path(path) }}')
{%- endmacro %}

{% macro duckdb__json_text(json_column, path) -%}
    json_extract_string({{ json_column }}, '{{ jsonpath(path) }}')
{%- endmacro %}


{#
    Several paths of one JSON column with one parse per row (issue #11: each `json_text()` call
    parses the document again). In one CTE select `json_parse_paths(column, paths)` as a
    column; downstream, `json_parsed_text(that column, paths, path)` is the text at `path` (one
    of `paths`), exactly as `json_text(column, path)` would be. DuckDB keeps the texts of all
    the paths in one list (`json_extract_string` with a list of paths); PostgreSQL keeps the
    parsed `jsonb`.
#}
{% macro json_parse_paths(json_column, paths) -%}
    {{ adapter.dispatch('json_parse_paths', 'crm_kpi')(json_column, paths) }}
{%- endmacro %}

{% macro default__json_parse_paths(json_column, paths) -%}
    cast({{ json_column }} as jsonb)
{%- endmacro %}

{% macro duckdb__json_parse_paths(json_column, paths) -%}
    {%- set jsonpaths = [] -%}
    {%- for path in paths -%}
        {%- do jsonpaths.append("'" ~ jsonpath(path) ~ "'") -%}
    {%- endfor -%}
    json_extract_string({{ json_column }}, [{{ jsonpaths | join(', ') }}])
{%- endmacro %}


{% macro json_parsed_text(parsed_column, paths, path) -%}
    {%- if path not in paths -%}
        {{ exceptions.raise_compiler_error(
            "json_parsed_text: path " ~ path ~ " is not one of the parsed paths " ~ paths) }}
    {%- endif -%}
    {{ adapter.dispatch('json_parsed_text', 'crm_kpi')(parsed_column, paths, path) }}
{%- endmacro %}

{% macro default__json_parsed_text(parsed_column, paths, path) -%}
    ({{ parsed_column }} #>> '{{ postgres_json_path(path) }}')
{%- endmacro %}

{% macro duckdb__json_parsed_text(parsed_column, paths, path) -%}
    {{ parsed_column }}[{{ paths.index(path) + 1 }}]
{%- endmacro %}


{#
    Search a JSON array of objects for the first element whose `match_key` equals
    `match_value` (a SQL literal, compared as text) and return the text at `value_path` inside
    that element. `array_path` locates the array ([] for a top-level array).
    Example: the lead source is the value of the custom field with field_code 'UTM_SOURCE':
        json_array_find_text('custom_fields_values', [], 'field_code', "'UTM_SOURCE'",
                             ['values', 0, 'value'])
#}
{% macro json_array_find_text(json_column, array_path, match_key, match_value, value_path) -%}
    {{ adapter.dispatch('json_array_find_text', 'crm_kpi')(
        json_column, array_path, match_key, match_value, value_path) }}
{%- endmacro %}

{% macro default__json_array_find_text(json_column, array_path, match_key, match_value, value_path) -%}
    (
        select element #>> '{{ postgres_json_path(value_path) }}'
        from jsonb_array_elements(
            case
                when jsonb_typeof(cast({{ json_column }} as jsonb) #> '{{ postgres_json_path(array_path) }}') = 'array'
                    then cast({{ json_column }} as jsonb) #> '{{ postgres_json_path(array_path) }}'
                else cast('[]' as jsonb)
            end
        ) with ordinality as elements (element, position)
        where element ->> '{{ match_key }}' = {{ match_value }}
        order by position
        limit 1
    )
{%- endmacro %}

{% macro duckdb__json_array_find_text(json_column, array_path, match_key, match_value, value_path) -%}
    {%- set array_jsonpath = jsonpath(array_path) -%}
    json_extract_string(
        {{ json_column }},
        '{{ array_jsonpath }}['
        || cast(
            nullif(list_position(
                json_extract_string({{ json_column }}, '{{ array_jsonpath }}[*].{{ match_key }}'),
                {{ match_value }}
            ), 0) - 1 as varchar
        )
        || ']{{ jsonpath(value_path)[1:] }}'
    )
{%- endmacro %}


{#
    Set-returning expression for the select list: one row per element of the JSON array at
    `array_path` (rows whose array is NULL or empty disappear). Each element is JSON.
#}
{% macro json_array_elements(json_column, array_path=[]) -%}
    {{ adapter.dispatch('json_array_elements', 'crm_kpi')(json_column, array_path) }}
{%- endmacro %}

{% macro default__json_array_elements(json_column, array_path) -%}
    jsonb_array_elements(
        case
            when jsonb_typeof(cast({{ json_column }} as jsonb) #> '{{ postgres_json_path(array_path) }}') = 'array'
                then cast({{ json_column }} as jsonb) #> '{{ postgres_json_path(array_path) }}'
            else cast('[]' as jsonb)
        end
    )
{%- endmacro %}

{% macro duckdb__json_array_elements(json_column, array_path) -%}
    unnest(json_extract({{ json_column }}, '{{ jsonpath(array_path) }}[*]'))
{%- endmacro %}


{# ['a', 0, 'b'] -> '$.a[0].b' (DuckDB / SQL JSONPath). #}
{% macro jsonpath(path) -%}
    {%- set parts = ['$'] -%}
    {%- for key in path -%}
        {%- if key is number -%}
            {%- do parts.append('[' ~ key ~ ']') -%}
        {%- else -%}
            {%- do parts.append('.' ~ key) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- parts | join('') -}}
{%- endmacro %}


{# ['a', 0, 'b'] -> '{a,0,b}' (PostgreSQL #>> path). #}
{% macro postgres_json_path(path) -%}
    {%- set parts = [] -%}
    {%- for key in path -%}
        {%- do parts.append(key | string) -%}
    {%- endfor -%}
    {{- '{' ~ (parts | join(',')) ~ '}' -}}
{%- endmacro %}
