{#
    Two-sided p-value of Student's t in portable SQL (ln, exp, sqrt, power only).

    Hill's approximation (G. W. Hill, 1970, CACM algorithm 396) maps |t| with df degrees of
    freedom to a standard normal z; the normal upper tail uses Abramowitz & Stegun 26.2.17.
    Checked against scipy for df >= 6 and |t| <= 10: absolute error below 1e-6.
    Each argument is a SQL expression (a column); `df` must be > 0.5.
#}
{% macro student_t_two_sided_p(t, df) -%}
    (2 * {{ normal_upper_tail(student_t_to_z(t, df)) }})
{%- endmacro %}


{# |t| with df degrees of freedom -> the standard normal z with the same upper tail (Hill). #}
{% macro student_t_to_z(t, df) -%}
    {{ adapter.dispatch('student_t_to_z', 'crm_kpi')(t, df) }}
{%- endmacro %}

{% macro default__student_t_to_z(t, df) -%}
    {%- set a = '(' ~ df ~ ' - 0.5)' -%}
    {%- set b = '(48 * ' ~ a ~ ' * ' ~ a ~ ')' -%}
    {%- set z0 = '(sqrt(' ~ a ~ ' * ln(1 + (' ~ t ~ ') * (' ~ t ~ ') / (' ~ df ~ '))))' -%}
    {%- set z = '(' ~ z0 ~ ' + (power(' ~ z0 ~ ', 3) + 3 * ' ~ z0 ~ ') / ' ~ b
        ~ ' - (4 * power(' ~ z0 ~ ', 7) + 33 * power(' ~ z0 ~ ', 5) + 240 * power(' ~ z0 ~ ', 3) + 855 * ' ~ z0 ~ ')'
        ~ ' / (10 * ' ~ b ~ ' * (' ~ b ~ ' + 0.8 * power(' ~ z0 ~ ', 4) + 100)))' -%}
    {{ z }}
{%- endmacro %}


{# P(Z > |z|) for a standard normal Z (Abramowitz & Stegun 26.2.17, error < 7.5e-8). #}
{% macro normal_upper_tail(z) -%}
    {{ adapter.dispatch('normal_upper_tail', 'crm_kpi')(z) }}
{%- endmacro %}

{% macro default__normal_upper_tail(z) -%}
    {%- set x = 'abs(' ~ z ~ ')' -%}
    {%- set k = '(1 / (1 + 0.2316419 * ' ~ x ~ '))' -%}
    (
        exp(greatest(-0.5 * {{ x }} * {{ x }}, -700)) / 2.5066282746310002  {# PostgreSQL raises on underflow, DuckDB returns 0 #}
        * (
            0.319381530 * {{ k }}
            - 0.356563782 * power({{ k }}, 2)
            + 1.781477937 * power({{ k }}, 3)
            - 1.821255978 * power({{ k }}, 4)
            + 1.330274429 * power({{ k }}, 5)
        )
    )
{%- endmacro %}
