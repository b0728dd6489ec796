"""Scores, novelty and signals of new bars: what the live loop and the as-live walk-forward share.

:func:`decide` turns scored rows into signals with the configured rule, then withholds the
signal of every row the novelty gate flags (and, when the model has expired and the config
says refuse, of every row): a row the model has never seen the like of is logged with its score
and no position. The rule sees every score, flagged or not, so the other symbols' positions do
not depend on the gate. The rolling rule reads each symbol's previous scores: the loop keeps
them (``past``) between iterations, the walk-forward has them in order.

Model inputs are float32, as models are fitted and predict (:data:`alphaforge.models.base.INPUT_DTYPE`),
and the gate scores the same float32 values, so a row's novelty is the same whether its
features came from the loop's incremental computation or the walk-forward's training matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.errors import MissingInputError
from alphaforge.features import Feature
from alphaforge.models.base import INPUT_DTYPE
from alphaforge.models.registry import ResolvedModel
from alphaforge.novelty import NoveltyGate
from alphaforge.predict.live import prediction_warmup, resolve_model_features
from alphaforge.predict.scores import model_scores
from alphaforge.predict.signals import SignalRule, long_sides, rule_from_config

NOVEL, EXPIRED = "novel", "model_expired"


def model_label(model: ResolvedModel) -> str:
    """``<name>/<version>`` for a registry model, else its folder."""
    folder = model.path.parent if model.path.name in ("final", "best") else model.path
    return f"{folder.parent.name}/{folder.name}"


def live_rule(config: Config, task: str, cross_section: float) -> SignalRule:
    """The configured rule, ``auto`` resolved on the panel size the model was trained on."""
    return rule_from_config(config, task).resolved_for(cross_section)


@dataclass
class Scorer:
    """A model ready to score feature rows: its columns, the features producing them and their
    warm-up, its novelty gate (None when it has none) and the resolved signal rule."""

    model: ResolvedModel
    columns: list[str]
    features: list[Feature]
    warmup: int
    gate: NoveltyGate | None
    rule: SignalRule
    label: str
    notices: list[str]

    @classmethod
    def load(cls, model: ResolvedModel, config: Config) -> Scorer:
        columns = list(model.card.features)
        features = resolve_model_features(columns)
        notices = []
        try:
            gate: NoveltyGate | None = model.novelty_gate()
        except MissingInputError as error:
            gate, notices = None, [f"{error.message}; {error.fix}"]
        cross_section = float(model.card.panel.get("cross_section", 1.0)) if model.card.panel else 1.0
        rule = live_rule(config, model.model.task, cross_section)
        return cls(model, columns, features, prediction_warmup(features), gate, rule, model_label(model), notices)

    def score(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``symbol``, ``timestamp``, ``score``, ``novelty``, ``novel`` of feature rows."""
        inputs = rows[self.columns].astype(INPUT_DTYPE)
        novelty = self.gate.score(inputs).to_numpy() if self.gate is not None else np.full(len(rows), np.nan)
        threshold = self.gate.threshold if self.gate is not None else np.inf
        return pd.DataFrame({"symbol": rows["symbol"].to_numpy(), "timestamp": rows["timestamp"].to_numpy(),
                             "score": model_scores(self.model.model, inputs), "novelty": novelty,
                             "novel": novelty > threshold})


def decide(scored: pd.DataFrame, rule: SignalRule, past: Mapping[str, Sequence[float]] | None = None,
           refuse: bool = False) -> pd.DataFrame:
    """``scored`` (symbol, timestamp, score, novel) with ``signal`` (int8) and ``blocked`` added;
    ``past`` holds each symbol's previous scores, oldest first (the rolling rule's window)."""
    scored = scored.reset_index(drop=True)
    if rule.rule == "rolling":
        sides = np.full(len(scored), np.nan)
        for symbol, rows in scored.groupby("symbol", sort=False).indices.items():
            history = np.asarray((past or {}).get(symbol, []), dtype="float64")
            column = np.concatenate([history, scored["score"].to_numpy()[rows]])
            sides[rows] = rule.sides(column[:, None])[len(history):, 0]
    else:
        sides = long_sides(scored, "score", rule)
    blocked = np.where(scored["novel"].to_numpy(dtype=bool), NOVEL, "")
    if refuse:
        blocked = np.where(blocked == "", EXPIRED, blocked)
    signal = np.where(blocked == "", np.nan_to_num(sides), 0.0).astype(np.int8)
    return scored.assign(signal=signal, blocked=blocked)


def keep_past(past: Mapping[str, Sequence[float]], scored: pd.DataFrame, length: int) -> dict[str, list[float]]:
    """Each symbol's last ``length`` scores after ``scored`` (in time order) joins ``past``."""
    kept = {symbol: list(values)[-length:] if length else [] for symbol, values in past.items()}
    if length:
        for symbol, values in scored.groupby("symbol", sort=False)["score"]:
            kept[str(symbol)] = [*kept.get(str(symbol), []), *map(float, values)][-length:]
    return kept
