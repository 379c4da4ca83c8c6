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
        literal_cases.case_name,
        literal_cases.raw_text,
        literal_cases.field_type,
        literal_cases.enum_label,
        literal_cases.expected
    from (
        values
        ('empty source id', '', null, null, null),
        ('spaces only', '   ', null, null, null),
        ('text kept', 'yandex', null, null, 'yandex'),
        ('phone value, not its kind', '+79123456789', 'multitext', 'WORK', '+79123456789'),
        ('e-mail value, not its kind', 'a@example.com', 'multitext', 'WORK', 'a@example.com'),
        ('enum shows its label', '17', 'select', 'Website', 'Website'),
        ('empty enum label falls back to the value', 'Partner', 'select', '', 'Partner')
    ) as literal_cases (case_name, raw_text, field_type, enum_label, expected)

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
