{#
    The fixed-formula KPIs of the catalogue (section 3), each defined once and rendered by
    `kpi()` in every mart that shows it. A side of a ratio is a list of measures added up; a
    measure written '-name' is subtracted. `type: money` KPIs are cast to the money type.
    The mart YAML's `meta.kpi` (numerator, denominator) states the same formulas over the
    mart's columns for the readers of the manifest (GX value rules, report labels).
#}
{% macro kpi_definitions() -%}
    {{ return({
        'avg_deal_value': {'numerator': ['revenue'], 'denominator': ['deals_won'], 'type': 'money'},
        'win_rate': {'numerator': ['deals_won'], 'denominator': ['deals_won', 'deals_lost']},
        'win_rate_amount': {'numerator': ['revenue'], 'denominator': ['revenue', 'lost_amount']},
        'avg_call_seconds': {'numerator': ['call_duration_seconds'], 'denominator': ['calls_answered']},
        'call_to_meeting_rate': {'numerator': ['meetings_held'], 'denominator': ['calls_total']},
        'task_on_time_rate': {'numerator': ['tasks_completed_on_time'], 'denominator': ['tasks_completed']},
        'cohort_conversion_rate': {'numerator': ['cohort_deals_won'], 'denominator': ['cohort_deals']},
        'conversion_to_next': {'numerator': ['deals_reached_next'], 'denominator': ['deals_reached']},
        'drop_off_rate': {'numerator': ['deals_lost_at_stage'], 'denominator': ['deals_reached']},
        'attainment': {'numerator': ['actual'], 'denominator': ['target']},
        'cac': {'numerator': ['marketing_spend'], 'denominator': ['deals_won'], 'type': 'money'},
        'romi': {'numerator': ['revenue', '-marketing_spend'], 'denominator': ['marketing_spend']},
    }) }}
{%- endmacro %}


{#
    The SQL of KPI `name`. Each measure m is written `relation.m<suffix>` (relation and suffix
    optional), unless `measures` maps m to an expression (a measure from another relation, a
    coalesce, an aggregate). `typed=false` leaves the ratio uncast (a caller with its own type).
      {{ kpi('win_rate', 'weekly') }}  ->  weekly.deals_won / nullif(weekly.deals_won + weekly.deals_lost, 0)
#}
{% macro kpi(name, relation=none, suffix='', measures={}, typed=true) -%}
    {%- set definition = kpi_definitions()[name] -%}
    {%- set sides = [] -%}
    {%- for terms in [definition['numerator'], definition['denominator']] -%}
        {%- set parts = [] -%}
        {%- for term in terms -%}
            {%- set measure = term.lstrip('-') -%}
            {%- set qualified = (relation ~ '.' if relation else '') ~ measure ~ suffix -%}
            {%- set expression = measures.get(measure, qualified) -%}
            {%- if loop.first -%}
                {%- do parts.append(('-' if term.startswith('-') else '') ~ expression) -%}
            {%- else -%}
                {%- do parts.append((' - ' if term.startswith('-') else ' + ') ~ expression) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do sides.append(parts | join('')) -%}
    {%- endfor -%}
    {%- set ratio = kpi_ratio(sides[0], sides[1]) -%}
    {%- if typed and definition.get('type') == 'money' -%}
        cast({{ ratio }} as {{ type_money() }})
    {%- else -%}
        {{ ratio }}
    {%- endif -%}
{%- endmacro %}
