{#
    The cross-CRM union of one intermediate entity (contract C5): `select * from
    int_<crm>__<entity>` for every CRM in the var `crms`, joined by `union all`. Every per-CRM
    model ends in the same explicit column list, in the same order. `crms` overrides the var
    for an entity that only some CRMs have.
#}
{% macro union_crm_models(entity, crms=none) -%}
    {%- for crm in (crms if crms is not none else var('crms')) -%}
        select * from {{ ref('int_' ~ crm ~ '__' ~ entity) }}
        {% if not loop.last %}union all
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}
