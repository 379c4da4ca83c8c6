"""Deal win-probability model: features from dbt, a logistic regression per account.

``features`` reads ``core.fct_deal_score_features``; ``model`` trains, evaluates out of time
against the stage baseline and scores; ``factors`` explains a score in words (English and
Russian); ``scoring`` writes the two marts named here. This package's own module imports
nothing heavy: the Dagster definitions read the table names, scikit-learn loads when a run
trains.
"""

SCORES_TABLE = "marts.mart_deal_scores"
QUALITY_TABLE = "marts.mart_win_model_quality"
