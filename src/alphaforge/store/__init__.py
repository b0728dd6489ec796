"""The training and prediction tables (DuckDB, ``store.duckdb``) and the holdout workflow.

Modules: :mod:`~alphaforge.store.fill` (tables from the feature/target caches),
:mod:`~alphaforge.store.matrix` (the training matrix), :mod:`~alphaforge.store.holdout`
(create, preserve, remove, restore), :mod:`~alphaforge.store.evaluate` (score holdout
predictions), :mod:`~alphaforge.store.predict` (prediction rows of a setup file). Nothing is
imported here: the prediction side must not pull in the training-only targets.
"""
