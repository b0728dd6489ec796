"""The names that command options choose from, apart from the code behind them.

``alphaforge <command> --help`` lists these choices (``--family``, ``--strategy``,
``--label-type``, ``--calibration``, ``--model-type``) and must answer before numpy, pandas or
a model library loads (issue 17), so this module imports nothing. The packages that implement
the choices take their names from here: :data:`alphaforge.models.FAMILIES` and
:data:`alphaforge.backtest.STRATEGIES` are keyed by them, and the meta-model modules check
their inputs against them.
"""

FAMILY_NAMES = ("lightgbm", "xgboost", "gradient_boosting", "hist_gradient_boosting", "random_forest", "logistic",
                "ridge", "lstm")
"""Model families (``--family``), in the order help lists them."""

STRATEGY_NAMES = ("trend_baseline", "mean_reversion", "model")
"""Backtest strategies (``--strategy``)."""

META_STRATEGIES = tuple(name for name in STRATEGY_NAMES if name != "model")
"""Base strategies a meta-model can judge: the rule-based ones (``model`` needs predictions)."""

LABEL_TYPES = ("binary_absolute", "binary_outperformance", "multi_class", "triple_barrier")
"""How a meta dataset labels a signal's outcome (``--label-type``)."""

CALIBRATIONS = ("none", "sigmoid", "isotonic")
"""How a meta-model's probabilities are calibrated (``--calibration``)."""

META_FAMILIES = ("gradient_boosting", "random_forest", "lightgbm", "logistic")
"""Model families a meta-model can be (``--model-type``)."""

EXECUTOR_NAMES = ("local", "ray")
"""Where independent tasks run (``--executor``): this machine's processes, or a Ray runtime."""

CHART_MODES = ("background", "wait", "none")
"""When `alphaforge predict` draws its charts (``--chart``): in a detached process after the
predictions are written (the command returns at once), before the command returns, or not at all."""
