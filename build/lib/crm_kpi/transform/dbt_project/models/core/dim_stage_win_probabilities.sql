{#
    Stage win probability per pipeline stage as known at the account's data horizon (the
    horizon slice of int_stage_win_probabilities_as_of, which holds the formula).
#}
select
    account_key,
    pipeline_id,
    stage_id,
    stage_type,
    deals_closed_12m,
    deals_won_12m,
    stage_win_probability,
    probability_basis
from {{ ref('int_stage_win_probabilities_as_of') }}
where is_horizon
