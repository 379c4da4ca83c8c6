"""Deal win-probability model: features from dbt, a logistic regression per account.

``features`` reads ``core.fct_deal_score_features``; ``model`` trains, evaluates out of time
against the stage baseline and scores; ``factors`` explains a score in words (English and
Russian); ``store`` writes ``marts.mart_deal_scores`` and ``marts.mart_win_model_quality``.
"""
