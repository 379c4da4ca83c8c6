{#
    amoCRM specifics that more than one staging model needs. Core and marts never call these:
    they see the canonical shapes of the intermediate layer.
#}

{# 'amocrm:<account id>': the tenant key of every row (catalogue section 1). #}
{% macro amocrm_account_key(account_id_column) -%}
    ('amocrm:' || cast({{ account_id_column }} as {{ dbt.type_string() }}))
{%- endmacro %}


{#
    Status semantics of amoCRM: status id 142 is won and 143 is lost in every pipeline; every
    other status is open (catalogue section 1, "status semantics").
#}
{% macro amocrm_status_type(status_id_column) -%}
    case
        when {{ status_id_column }} is null then null
        when cast({{ status_id_column }} as {{ dbt.type_bigint() }}) = 142 then 'won'
        when cast({{ status_id_column }} as {{ dbt.type_bigint() }}) = 143 then 'lost'
        else 'open'
    end
{%- endmacro %}


{# A native id as text; amoCRM uses 0 for "nobody" (robots, unassigned), which becomes NULL. #}
{% macro amocrm_user_id(column) -%}
    cast(nullif(cast({{ column }} as {{ dbt.type_bigint() }}), 0) as {{ dbt.type_string() }})
{%- endmacro %}


{# A native id as text (NULL stays NULL). #}
{% macro id_text(column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}


{#
    The value a custom field shows. Enum fields (select, multiselect, radiobutton, ...) show
    their option's label. Multi-fields (`multitext`: PHONE, EMAIL) carry the value in
    `values[i].value` and only the kind of value (`WORK`, `MOB`) in `enum_id` / `enum_code`:
    they show the value, never the kind (official docs, "Custom fields": a multitext value is
    `{"value": "+79123", "enum_code": "WORK"}`,
    https://www.amocrm.ru/developers/content/crm_platform/custom-fields). Blanks are NULL.
#}
{% macro amocrm_custom_field_display_value(field_type_column, value_column, enum_label_column) -%}
    case
        when lower(coalesce({{ field_type_column }}, '')) = 'multitext'
            then {{ blank_to_null(value_column) }}
        else coalesce({{ blank_to_null(enum_label_column) }}, {{ blank_to_null(value_column) }})
    end
{%- endmacro %}
