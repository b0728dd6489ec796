"""Verdicts, not silence: what a quant would say first about a model's out-of-sample numbers.

Three questions, each answered in one sentence the CLI, the report and MLflow all show:

- **Is the model degenerate?** A model that stopped after a handful of rounds
  (< :data:`FEW_ROUNDS`), or whose scores tie on more than :data:`MAX_TIED_SHARE` of the
  timestamps (a panel) or take fewer than :data:`MIN_DISTINCT` distinct values (one series),
  is not a result whatever its IC says.
- **Is there an edge?** The headline IC (mean per-timestamp rank IC on a panel, the IC over
  the rows for one series) is significant when its t-statistic, robust to overlapping labels,
  reaches ``min_t`` (2 by default, about 95 % two-sided). Below it: "no edge". Significantly
  negative: the model ranks the wrong way round.
- **Does it beat the simplest factor?** The model's IC against each baseline's on the same
  rows (12-1 momentum, short-term reversal, the best single feature chosen on training folds).

A backtest adds :func:`backtest_edge`: its Sharpe ratio is luck unless the probabilistic
(or deflated, when several configurations were tried) Sharpe ratio reaches ``min_psr``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from alphaforge.validation.tearsheet import CROSS_SECTION, TearSheet

FEW_ROUNDS = 10
MAX_TIED_SHARE = 0.01
MIN_DISTINCT = 10
EDGE, NO_EDGE, NEGATIVE, DEGENERATE, BASELINE = "edge", "no_edge", "negative_edge", "degenerate", "baselines"


@dataclass(frozen=True)
class Verdict:
    """One plain statement: its ``kind``, whether it is a ``warning``, and the sentence."""

    kind: str
    warning: bool
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _g(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3g}"


def headline(sheet: TearSheet) -> tuple[float, float, str]:
    """(IC, its t-statistic, a name for them) of a tear sheet: the mean per-timestamp IC on a panel
    with the smaller in size of its Newey-West and non-overlapping t's, the IC over the rows with
    its non-overlapping t for one series."""
    stats = sheet.ic_stats
    if sheet.view == CROSS_SECTION:
        # the more cautious of the two t's: Newey-West with horizon - 1 lags overstates the
        # significance of persistent scores, the non-overlapping t wastes data
        robust, plain = float(stats["t_stat"]), float(stats["t_nonoverlap"])
        t = plain if not math.isfinite(robust) or abs(plain) < abs(robust) else robust
        return float(stats["mean"]), t, "mean per-timestamp IC"
    return float(stats["ic"]), float(stats["t_nonoverlap"]), "IC"


def degenerate(sheet: TearSheet, rounds: Sequence[int | None] = ()) -> list[Verdict]:
    """Warnings for a model that is not a result: too few rounds, or scores that cannot rank.
    """
    found = []
    few = [r for r in rounds if r is not None and r < FEW_ROUNDS]
    if few:
        found.append(Verdict(DEGENERATE, True, f"degenerate model: stopped after {min(few)} round(s) "
                                               f"({len(few)} of {len(rounds)} fits under {FEW_ROUNDS}); "
                                               "its scores are a handful of trees"))
    ties = sheet.ties or {}
    if sheet.view == CROSS_SECTION:
        tied = ties.get("constant_share")
        if tied is not None and math.isfinite(tied) and tied > MAX_TIED_SHARE:
            found.append(Verdict(DEGENERATE, True, f"degenerate model: all scores tie on {tied:.1%} of the "
                                                   f"timestamps (median {_g(ties.get('median_distinct'))} "
                                                   "distinct scores a day)"))
    else:
        distinct = ties.get("median_distinct")
        if distinct is not None and math.isfinite(distinct) and distinct < MIN_DISTINCT:
            found.append(Verdict(DEGENERATE, True, f"degenerate model: only {distinct:.0f} distinct scores "
                                                   f"over {sheet.n_rows} rows"))
    return found


def edge(sheet: TearSheet, *, min_t: float = 2.0, what: str = "out of sample") -> Verdict:
    """Edge, no edge, or a significantly wrong-way ranking (see the module docstring)."""
    ic, t, name = headline(sheet)
    if not (math.isfinite(ic) and math.isfinite(t)):
        return Verdict(NO_EDGE, True, f"no edge: the {name} is undefined {what} (scores or labels do not vary)")
    if t >= min_t and ic > 0:
        return Verdict(EDGE, False, f"edge: {name} {_g(ic)} (t {_g(t)}) {what}")
    if t <= -min_t:
        return Verdict(NEGATIVE, True, f"negative edge: {name} {_g(ic)} (t {_g(t)}) {what}; the model ranks "
                                       "the wrong way round")
    return Verdict(NO_EDGE, True, f"no edge: {name} {_g(ic)} (t {_g(t)}) {what} is not significant "
                                  f"(|t| < {_g(min_t)})")


def versus_baselines(model: TearSheet, baselines: Mapping[str, TearSheet]) -> Verdict | None:
    """Does the model beat the simplest factor? Compares with the best baseline on the same rows."""
    scored = {name: headline(sheet)[0] for name, sheet in baselines.items()}
    scored = {name: ic for name, ic in scored.items() if math.isfinite(ic)}
    if not scored:
        return None
    best = max(scored, key=scored.__getitem__)
    ic = headline(model)[0]
    beaten = math.isfinite(ic) and ic > scored[best]
    return Verdict(BASELINE, not beaten,
                   f"the model {'beats' if beaten else 'does not beat'} the simplest factors: IC {_g(ic)} vs "
                   f"{_g(scored[best])} for {best}, the best of {len(scored)}")


def backtest_edge(psr: float | None, dsr: float | None = None, *, min_psr: float = 0.95) -> Verdict:
    """A backtest's Sharpe ratio is luck unless its PSR (its DSR, when trials were counted) reaches ``min_psr``.

    >>> backtest_edge(0.99, 0.62).kind
    'no_edge'
    """
    value, name = (dsr, "deflated Sharpe ratio") if dsr is not None else (psr, "probabilistic Sharpe ratio")
    if value is None or not math.isfinite(value):
        return Verdict(NO_EDGE, True, "no edge shown: the backtest's Sharpe ratio is undefined")
    if value >= min_psr:
        return Verdict(EDGE, False, f"edge: {name} {_g(value)} (>= {_g(min_psr)})")
    return Verdict(NO_EDGE, True, f"no edge: {name} {_g(value)} < {_g(min_psr)}: the Sharpe ratio may be luck")


def model_verdicts(model: TearSheet, baselines: Mapping[str, TearSheet] | None = None,
                   rounds: Sequence[int | None] = (), *, min_t: float = 2.0,
                   what: str = "out of sample") -> list[Verdict]:
    """Every verdict on a model's out-of-sample tear sheet: degenerate first, then edge, then baselines."""
    found = [*degenerate(model, rounds), edge(model, min_t=min_t, what=what)]
    compared = versus_baselines(model, baselines or {})
    return found + ([compared] if compared else [])


def verdict_tags(verdicts: Sequence[Verdict]) -> dict[str, str]:
    """MLflow tags of the verdicts: ``verdict.<kind>`` = the sentence (one per kind, the first)."""
    tags: dict[str, str] = {}
    for verdict in verdicts:
        tags.setdefault(f"verdict.{verdict.kind}", verdict.message)
    return tags


__all__ = ["Verdict", "backtest_edge", "degenerate", "edge", "headline", "model_verdicts", "verdict_tags", "versus_baselines"]
