"""Target ranking: which targets are worth predicting, scored honestly out of sample.

Each candidate target gets a quick model (see :mod:`~alphaforge.selection.scoring`) under
purged walk-forward CV. Per fold the model is also refitted ``shuffles`` times on training
labels shuffled across the training rows: the shuffled-label baseline, what the same model
scores on the same test rows when there is nothing to learn. A target's

- ``skill`` is its mean fold skill, ``stability`` the fraction of folds with skill > 0;
- ``edge`` is skill minus the baseline's mean skill;
- ``noise`` is the larger of the fold-to-fold standard error (of skill and baseline) and the
  analytic standard error of an unrelated predictor over the test rows (labels sharing their
  future counted once per overlap);
- ``z`` = edge / noise; it ``passed`` when z >= ``min_z`` and skill > 0.

Targets are ranked by z; the selected ones are the best ``top_n`` that passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.config import SelectionSection
from alphaforge.selection._markdown import markdown_table
from alphaforge.selection.dataset import TargetData, target_data
from alphaforge.selection.scoring import (
    QuickFold,
    metric_name,
    null_skill_se,
    purged_splits,
    trainable,
)
from alphaforge.workspace import atomic_write_parquet, atomic_write_text

RANKING_COLUMNS = ["rank", "target", "task", "metric", "score", "skill", "skill_std", "stability", "baseline_skill",
                   "baseline_std", "edge", "noise", "z", "passed", "selected", "n_rows", "n_folds"]


@dataclass(frozen=True)
class TargetScore:
    """How predictable one target is (see the module docstring for each field)."""

    target: str
    task: str
    metric: str
    score: float
    skill: float
    skill_std: float
    stability: float
    baseline_skill: float
    baseline_std: float
    edge: float
    noise: float
    z: float
    passed: bool
    n_rows: int
    n_folds: int
    fold_skills: list[float] = field(default_factory=list)


def _raw_metric(skill: float, task: str) -> float:
    """The reported metric: the IC itself, or the AUC of a binary target (skill = 2 * AUC - 1)."""
    return (skill + 1.0) / 2.0 if task == "binary" else skill


def score_target(data: TargetData, settings: SelectionSection, seed: int = 0) -> TargetScore:
    """Skill of the quick model on ``data`` against the shuffled-label baseline."""
    rng = np.random.default_rng(seed)
    X = data.X.to_numpy()
    skills, baseline, tested = [], [], []
    for train, test in purged_splits(data.spans, settings.n_splits, settings.embargo):
        if not trainable(data.y[train], data.task) or len(test) == 0:
            continue
        y_train, X_test, y_test = data.y[train], X[test], data.y[test]
        fold = QuickFold(X[train], y_train, data.task)
        skills.append(fold.fit(seed).skill(X_test, y_test))
        for _ in range(settings.shuffles):
            shuffled = fold.fit(seed, labels=rng.permutation(y_train))
            baseline.append(shuffled.skill(X_test, y_test))
        tested.append(test)
    if not skills:
        nan = float("nan")
        return TargetScore(data.target, data.task, metric_name(data.task), nan, nan, nan, nan, nan, nan, nan, nan,
                           nan, False, len(data), 0)
    skills_a, baseline_a = np.array(skills), np.array(baseline)
    k = len(skills_a)
    spread = np.sqrt(skills_a.var(ddof=1) / k + baseline_a.var(ddof=1) / len(baseline_a)) if k > 1 else 0.0
    test_labels = data.y[np.concatenate(tested)]
    analytic = null_skill_se(test_labels, data.task, data.overlap) * np.sqrt(1.0 + 1.0 / settings.shuffles)
    noise = float(max(spread, analytic))
    mean_skill = float(skills_a.mean())
    edge = mean_skill - float(baseline_a.mean())
    z = edge / noise
    return TargetScore(
        target=data.target, task=data.task, metric=metric_name(data.task), score=_raw_metric(mean_skill, data.task),
        skill=mean_skill, skill_std=float(skills_a.std(ddof=1)) if k > 1 else 0.0,
        stability=float((skills_a > 0).mean()), baseline_skill=float(baseline_a.mean()),
        baseline_std=float(baseline_a.std(ddof=1)) if len(baseline_a) > 1 else 0.0, edge=edge, noise=noise, z=z,
        passed=bool(z >= settings.min_z and mean_skill > 0), n_rows=len(data), n_folds=k,
        fold_skills=[float(s) for s in skills_a])


def rank_targets(features: pd.DataFrame, targets: pd.DataFrame, candidates: Sequence[str],
                 settings: SelectionSection | None = None, *, top_n: int | None = None, seed: int = 0) -> pd.DataFrame:
    """The ranking table of ``candidates``: one row per target, best first (columns :data:`RANKING_COLUMNS`).

    ``targets`` is a target table holding every candidate (and its t1 column); ``features``
    the feature table over the same bars. ``top_n`` defaults to ``settings.top_n_targets``.
    """
    settings = settings or SelectionSection()
    scores = [score_target(target_data(features, targets, name, max_rows=settings.max_rows), settings, seed)
              for name in dict.fromkeys(candidates)]
    return ranking_table(scores, settings.top_n_targets if top_n is None else top_n)


def ranking_table(scores: Sequence[TargetScore], top_n: int) -> pd.DataFrame:
    """Scores ranked, best first: those that passed by z, then the rest; the best ``top_n`` that
    passed are selected. Separate from the scoring, so keeping fewer targets rescores nothing."""
    frame = pd.DataFrame([{k: v for k, v in asdict(s).items() if k != "fold_skills"} for s in scores])
    frame["fold_skills"] = [s.fold_skills for s in scores]
    frame = frame.sort_values(["passed", "z"], ascending=[False, False], na_position="last", kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame["selected"] = frame["passed"] & (frame["rank"] <= top_n)
    return frame[RANKING_COLUMNS + ["fold_skills"]]


def selected_targets(ranking: pd.DataFrame) -> list[str]:
    """The targets a ranking table selected, best first."""
    return ranking.loc[ranking["selected"], "target"].tolist()


def ranking_markdown(ranking: pd.DataFrame) -> str:
    """The ranking as a Markdown report."""
    chosen = selected_targets(ranking)
    lines = ["# Target ranking", "",
             ("Quick LightGBM under purged walk-forward CV; skill = Spearman IC (regression; the expected "
              "class for multi-class) or 2*AUC-1 (binary); z = (skill - shuffled-label baseline) / noise."), "",
             markdown_table(ranking, RANKING_COLUMNS), "",
             f"Selected: {', '.join(chosen)}" if chosen else
             "Selected: none - no target beat the shuffled-label baseline."]
    return "\n".join(lines) + "\n"


def write_ranking(ranking: pd.DataFrame, directory: Path) -> list[Path]:
    """Write ``target_ranking.parquet`` and ``target_ranking.md`` into ``directory``."""
    parquet, markdown = Path(directory) / "target_ranking.parquet", Path(directory) / "target_ranking.md"
    atomic_write_parquet(parquet, ranking)
    atomic_write_text(markdown, ranking_markdown(ranking))
    return [parquet, markdown]
