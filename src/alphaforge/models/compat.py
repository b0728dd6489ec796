"""Compatibility of a saved model with the data it is asked to score.

A model records the ordered feature list and the symbols it was trained on. Scoring with a
feature missing, an unexpected one, or the same features in another order would silently mix
up columns, so each is an error that lists the offenders. A symbol not seen in training is an
error for a per-symbol model (it has learned nothing about that symbol) and a warning for a
cross-sectional one (it generalises across symbols, but the user should know).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from alphaforge.errors import InputError

SCOPES = ("per_symbol", "cross_sectional")
_SHOWN = 20


class UnseenSymbolWarning(UserWarning):
    """A cross-sectional model is asked about symbols it was not trained on."""


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" … (+{len(names) - _SHOWN} more)" if len(names) > _SHOWN else "")


def check_features_present(expected: Sequence[str], available: Sequence[str], *, where: str = "features") -> None:
    """Raise :class:`InputError` listing the model's features absent from ``available``."""
    present = set(available)
    missing = [name for name in expected if name not in present]
    if missing:
        raise InputError(f"{len(missing)} feature(s) the model was trained on are missing: {_listed(missing)}",
                         where=where, fix="compute the model's feature list (config.json 'features'); "
                                          "retrain if the feature set changed on purpose")


def check_feature_order(expected: Sequence[str], got: Sequence[str], *, where: str = "features") -> None:
    """Raise unless ``got`` is exactly ``expected``: names missing, extra or reordered are listed.

    >>> check_feature_order(["a", "b"], ["a", "b"])
    >>> check_feature_order(["a", "b"], ["b", "a"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    alphaforge.errors.InputError: features: 2 feature(s) are in a different order than in training: a (position 0 ...
      fix: select the columns in the model's order: frame[model.feature_names_]
    """
    expected, got = list(expected), list(got)
    if expected == got:
        return
    check_features_present(expected, got, where=where)
    extra = [name for name in got if name not in set(expected)]
    if extra:
        raise InputError(f"{len(extra)} column(s) the model was not trained on: {_listed(extra)}", where=where,
                         fix="select the columns in the model's order: frame[model.feature_names_]")
    position = {name: i for i, name in enumerate(got)}
    moved = [f"{name} (position {i} in training, {position[name]} here)"
             for i, name in enumerate(expected) if position[name] != i]
    raise InputError(f"{len(moved)} feature(s) are in a different order than in training: {_listed(moved)}",
                     where=where, fix="select the columns in the model's order: frame[model.feature_names_]")


def check_symbols(trained: Sequence[str], requested: Sequence[str], scope: str, *, where: str = "symbols") -> list[str]:
    """Symbols of ``requested`` not seen in training: an error for per-symbol models, else a warning.

    Returns the unseen symbols (empty when all were seen).
    """
    if scope not in SCOPES:
        raise InputError(f"unknown model scope {scope!r}", where=where, fix=f"use one of {list(SCOPES)}")
    known = set(trained)
    unseen = [symbol for symbol in dict.fromkeys(requested) if symbol not in known]
    if not unseen:
        return []
    message = f"symbol(s) not seen in training: {_listed(unseen)} (trained on {_listed(list(trained))})"
    if scope == "per_symbol":
        raise InputError(message, where=where, fix="train a model for these symbols: `alphaforge train --symbols "
                                                   f"{' '.join(unseen[:5])}`, or score only the trained symbols")
    warnings.warn(message + "; a cross-sectional model may still generalise to them", UnseenSymbolWarning,
                  stacklevel=2)
    return unseen
