"""The phase schedule of a study: random exploration, Bayesian search, fine-tuning.

All three phases add trials to one study; each trial records its phase as the user attribute
``phase``. A phase's size counts its finished (complete or pruned) and running trials, so a
resumed run or a second process sharing the storage only adds what is missing (parallel
workers may overshoot a phase by at most one trial each).

- ``random``: :class:`TrialSeededRandomSampler`, uniform over the full space. Its draws depend
  only on the seed and the trial number, so the same seed gives the same parameters, a
  resumed run does not repeat earlier draws and parallel workers never draw the same point.
- ``bayes``: multivariate TPE over the full space, learning from every earlier trial; with
  the constant liar, trials still running count as bad, so parallel workers spread out.
- ``fine``: :class:`NarrowedTPESampler`, multivariate TPE restricted to the space narrowed
  around the best trials. The narrowed space is computed once (when the phase starts) and
  stored in the study, so every process and every resume uses the same one.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    distribution_to_json,
    json_to_distribution,
)
from optuna.samplers import BaseSampler, RandomSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

from alphaforge.errors import InputError
from alphaforge.tuning.spaces import Space, narrow_space

PHASES = ("random", "bayes", "fine")
PHASE_ATTR = "phase"
NARROWED_ATTR = "narrowed_space"
COUNTED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)


@dataclass(frozen=True)
class Phase:
    """One phase: its name (one of :data:`PHASES`) and how many trials it holds."""

    name: str
    n_trials: int


def phase_schedule(random_trials: int, bayes_trials: int, fine_trials: int) -> list[Phase]:
    """The three phases in order, with their sizes (a size of 0 skips that phase)."""
    sizes = (random_trials, bayes_trials, fine_trials)
    if any(n < 0 for n in sizes):
        raise InputError(f"phase sizes {sizes} must be >= 0", where="tuning",
                         fix="set random_trials, bayes_trials and fine_trials to 0 or more")
    return [Phase(name, n) for name, n in zip(PHASES, sizes, strict=True)]


def phase_counts(study: optuna.Study) -> dict[str, int]:
    """Trials per phase that count towards its size (complete, pruned or running)."""
    counts = dict.fromkeys(PHASES, 0)
    for trial in study.get_trials(deepcopy=False, states=COUNTED_STATES):
        phase = trial.user_attrs.get(PHASE_ATTR)
        if phase in counts:
            counts[phase] += 1
    return counts


def _trial_seed(seed: int, number: int) -> int:
    """A 32-bit seed mixing the study seed and a trial number (stable across runs and machines)."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


class TrialSeededRandomSampler(BaseSampler):
    """Uniform random sampling whose draws depend only on (seed, trial number)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return {}

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        # One generator per (trial, parameter name): the order in which parameters are asked
        # does not change their values.
        sampler = RandomSampler(seed=_trial_seed(self.seed, trial.number) ^ zlib.crc32(param_name.encode()))
        return sampler.sample_independent(study, trial, param_name, param_distribution)


class NarrowedTPESampler(BaseSampler):
    """Multivariate TPE whose relative search space is a narrowed copy of the full space.

    Trials still suggest over the full space (so every trial of the study shares one set of
    distributions and the importance and dashboard views stay valid); this sampler only ever
    proposes values inside ``narrowed``. TPE learns from all earlier trials of the study.
    """

    def __init__(self, narrowed: Mapping[str, BaseDistribution], seed: int | None = None) -> None:
        self.narrowed = {n: d for n, d in narrowed.items() if not d.single()}
        self._tpe = TPESampler(multivariate=True, n_startup_trials=0, seed=seed, constant_liar=True)

    def reseed_rng(self) -> None:
        self._tpe.reseed_rng()

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return dict(self.narrowed)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return self._tpe.sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self._tpe.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._tpe.before_trial(study, trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self._tpe.after_trial(study, trial, state, values)


def best_trials(study: optuna.Study, k: int) -> list[FrozenTrial]:
    """The ``k`` best complete trials, best first (ties: lower trial number first)."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    return sorted(complete, key=lambda t: (sign * float(t.value), t.number))[:k]  # type: ignore[arg-type]


def narrowed_space(study: optuna.Study, space: Space, top: int) -> dict[str, BaseDistribution]:
    """The fine-tuning space stored in the study; computed from the ``top`` best trials the first time.

    Processes sharing the storage read the stored one; only two processes starting the phase
    at the same instant can each compute (nearly the same) space, and the last write is kept.
    """
    stored = study.user_attrs.get(NARROWED_ATTR)
    if stored is None:
        narrowed = narrow_space(space, [t.params for t in best_trials(study, top)])
        study.set_user_attr(NARROWED_ATTR, json.dumps({n: distribution_to_json(d) for n, d in narrowed.items()}))
        stored = study.user_attrs[NARROWED_ATTR]
    return {name: json_to_distribution(text) for name, text in json.loads(stored).items()}


def phase_sampler(phase: str, seed: int, *, narrowed: Mapping[str, BaseDistribution] | None = None,
                  offset: int = 0) -> BaseSampler:
    """The sampler of ``phase``; TPE seeds add ``offset`` (trials already run) so a resume draws anew."""
    if phase == "random":
        return TrialSeededRandomSampler(seed)
    if phase == "bayes":
        return TPESampler(multivariate=True, n_startup_trials=0, seed=seed + offset, constant_liar=True)
    if phase == "fine":
        if narrowed is None:
            raise InputError("the fine-tuning phase needs the narrowed space", where="phase_sampler",
                             fix="pass narrowed=narrowed_space(study, space, top)")
        return NarrowedTPESampler(narrowed, seed=seed + offset)
    raise InputError(f"unknown phase {phase!r}", where="phase_sampler", fix=f"use one of {list(PHASES)}")


PRUNERS: MappingProxyType[str, Callable[[int], optuna.pruners.BasePruner]] = MappingProxyType({
    "median": lambda n_folds: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0),
    "hyperband": lambda n_folds: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(n_folds, 1)),
    "none": lambda n_folds: optuna.pruners.NopPruner(),
})
"""The closed map of pruner names (``--pruner``) to factories taking the number of folds (steps)."""


def make_pruner(name: str, n_folds: int) -> optuna.pruners.BasePruner:
    """The pruner called ``name`` for trials reporting one step per fold.

    The median pruner waits for 5 finished trials before it prunes; Hyperband's resource is the
    number of folds scored.
    """
    try:
        factory = PRUNERS[name]
    except KeyError:
        raise InputError(f"unknown pruner {name!r}", where="tuning.pruner", fix=f"use one of {list(PRUNERS)}") from None
    return factory(n_folds)
