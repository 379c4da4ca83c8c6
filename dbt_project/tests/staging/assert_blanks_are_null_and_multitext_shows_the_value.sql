{#
    Blanks and amoCRM multi-field values (catalogue section 1, "blanks"), on literal rows:
    an empty or all-space string is NULL; a PHONE/EMAIL (multitext) value shows the number or
    address, never its kind (`WORK`); an enum field shows its option's label. Returns the rows
    whose result differs from the hand-written expectation (none when correct). Attached to
    the staging model that shows custom field values (so the orchestrator reports it as that
    model's check).
#}
-- depends_on: {{ ref('stg_amocrm__custom_field_values') }}
with cases as (

    select
        'empty source id' as case_name,
        cast('' as {{ dbt.type_string() }}) as raw_text,
        cast(null as {{ dbt.type_string() }}) as field_type,
        cast(null as {{ dbt.type_string() }}) as enum_label,
        cast(null as {{ dbt.type_string() }}) as expected
    union all
    select 'spaces only', '   ', null, null, null
    union all
    select 'text kept', 'yandex', null, null, 'yandex'
    union all
    select 'phone value, not its kind', '+79123456789', 'multitext', 'WORK', '+79123456789'
    union all
    select 'e-mail value, not its kind', 'a@example.com', 'multitext', 'WORK', 'a@example.com'
    union all
    select 'enum shows its label', '17', 'select', 'Website', 'Website'
    union all
    select 'empty enum label falls back to the value', 'Partner', 'select', '', 'Partner'

),

results as (

    select
        case_name,
        expected,
        case
            when field_type is null then {{ blank_to_null('raw_text') }}
            else {{ amocrm_custom_field_display_value('field_type', 'raw_text', 'enum_label') }}
        end as actual
    from cases

)

select *
from results
where actual is distinct from expected
