{#
    Bitrix24 specifics that more than one staging model needs. Core and marts never call these:
    they see the canonical shapes of the intermediate layer.
#}

{# 'bitrix24:<portal domain>': the tenant key of every row (catalogue section 1). #}
{% macro bitrix24_account_key(portal_column) -%}
    ('bitrix24:' || {{ portal_column }})
{%- endmacro %}


{# An ISO 8601 timestamp with an offset (text, or already typed by dlt) -> UTC timestamp. #}
{% macro bitrix24_timestamp(column) -%}
    {{ offset_timestamp_to_utc(column) }}
{%- endmacro %}


{# A native id as text; Bitrix24 sends 0 or '' for "nobody" / "no link", which become NULL. #}
{% macro bitrix24_id(column) -%}
    nullif(nullif(cast({{ column }} as {{ dbt.type_string() }}), ''), '0')
{%- endmacro %}


{# 'Y' / 'N' flags (and JSON booleans) -> boolean. #}
{% macro bitrix24_flag(column) -%}
    (upper(cast({{ column }} as {{ dbt.type_string() }})) in ('Y', 'TRUE', '1'))
{%- endmacro %}


{# STAGE_SEMANTIC_ID / SEMANTICS: S won, F lost, anything else (P, '', NULL) open. #}
{% macro bitrix24_status_type(semantic_column) -%}
    case upper(coalesce(cast({{ semantic_column }} as {{ dbt.type_string() }}), ''))
        when 'S' then 'won'
        when 'F' then 'lost'
        else 'open'
    end
{%- endmacro %}
