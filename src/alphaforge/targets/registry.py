"""The closed registry of target kinds and the canonical names of targets.

A target's name is its kind followed by its parameters, joined by ``_``: ``fwd_ret_24``,
``binary_abs_10_0.02``, ``tb_24_2.0_1.0``, ``y_will_swing_low_10_0.20``. Trailing parameters
with defaults may be left out, and the canonical name leaves out every trailing parameter
equal to its default, so ``parse_target(name).name`` round-trips canonical names. Floats keep
at least one decimal (``2.0``; swing percentages two, ``0.20``).

>>> spec = parse_target("tb_24_2.0_1.0")
>>> spec.kind, spec.params["profit_take"], spec.name
('tb', 2.0, 'tb_24_2.0_1.0')
"""

from __future__ import annotations

import difflib
import hashlib
import inspect
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.data import events as event_tables
from alphaforge.errors import InputError
from alphaforge.targets import _core, binary, events, forward, multiclass, swing, triple_barrier
from alphaforge.targets._core import Labels

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Param:
    """One positional parameter of a target name; ``type`` turns its text into the value (``int``,
    ``float``, ``str`` or a parser raising ValueError)."""

    name: str
    type: Callable[[str], Any]
    help: str
    default: Any = _NO_DEFAULT
    minimum: float | None = None
    choices: tuple[str, ...] | None = None
    decimals: int = 1
    canonical: Callable[[str], str] | None = None

    @property
    def required(self) -> bool:
        """True when the parameter has no default and must appear in the name."""
        return self.default is _NO_DEFAULT

    def parse(self, text: str, target: str) -> Any:
        """Value of this parameter from its text in ``target``'s name."""
        try:
            value = self.type(text)
        except ValueError:
            raise InputError(f"parameter {self.name}={text!r} is not a valid {self.type.__name__}",
                             where=f"target {target!r}", fix=f"{self.name}: {self.help}") from None
        if self.type is float and not math.isfinite(value):
            raise InputError(f"parameter {self.name}={text!r} is not finite",
                             where=f"target {target!r}", fix=f"{self.name}: {self.help}")
        if self.minimum is not None and value < self.minimum:
            raise InputError(f"parameter {self.name}={text} is below {self.minimum}",
                             where=f"target {target!r}", fix=f"{self.name}: {self.help}")
        if self.choices is not None and value not in self.choices:
            raise InputError(f"parameter {self.name}={text!r} is not one of {list(self.choices)}",
                             where=f"target {target!r}", fix=f"{self.name}: {self.help}")
        return self.canonical(value) if self.canonical else value

    def format(self, value: Any) -> str:
        """Canonical text of ``value``."""
        if self.type is not float:
            return str(value)
        text = repr(float(value))
        if "e" in text:
            return text
        return text + "0" * max(0, self.decimals - len(text.split(".")[1]))


@dataclass(frozen=True)
class TargetKind:
    """A family of targets: name prefix, parameters and the function computing it."""

    prefix: str
    params: tuple[Param, ...]
    compute: Callable[..., Labels]
    summary: str
    example: str

    @property
    def template(self) -> str:
        """Name pattern for help texts: required ``{param}``, optional ``[{param=default}]``."""
        parts = [f"_{{{p.name}}}" if p.required else f"[_{{{p.name}={p.format(p.default)}}}]"
                 for p in self.params]
        return self.prefix + "".join(parts)


@dataclass(frozen=True)
class TargetSpec:
    """A parsed target: its kind and parameter values (in the kind's order); ``name`` is canonical."""

    kind: str
    values: tuple[tuple[str, Any], ...]

    @property
    def params(self) -> dict[str, Any]:
        """Parameter name -> value."""
        return dict(self.values)

    @property
    def name(self) -> str:
        """Canonical name: trailing parameters equal to their defaults are left out."""
        kind = TARGET_KINDS[self.kind]
        values = [value for _, value in self.values]
        keep = len(values)
        while keep and not kind.params[keep - 1].required and values[keep - 1] == kind.params[keep - 1].default:
            keep -= 1
        return "_".join([kind.prefix, *(p.format(v) for p, v in zip(kind.params[:keep], values[:keep], strict=True))])

    @property
    def needs_events(self) -> bool:
        """Whether it labels user-given events (``events`` = ``given``), so computing it needs them."""
        return self.params.get("events") == events.GIVEN

    def compute(self, bars: pd.DataFrame, given_events: pd.DataFrame | None = None) -> Labels:
        """Labels of this target over canonical bars; ``given_events`` (symbol, timestamp) are the
        events of a ``given`` target and are ignored by the others."""
        params = self.params
        if self.needs_events:
            if given_events is None:
                raise InputError("this target labels given events, and none were given", where=f"target {self.name!r}",
                                 fix="pass the events table (symbol, timestamp): `targets build --events FILE`, "
                                     "or compute_targets(..., events=frame)")
            params["events"] = given_events
        return TARGET_KINDS[self.kind].compute(bars, **params)


_HORIZON = Param("horizon", int, "bars ahead, an integer >= 1", minimum=1)
_VOL_WINDOW = Param("vol_window", int, "bars in the rolling volatility, an integer >= 2", minimum=2)


def _kind(prefix: str, params: tuple[Param, ...], compute: Callable[..., Labels], summary: str,
          example: str) -> tuple[str, TargetKind]:
    return prefix, TargetKind(prefix, params, compute, summary, example)


TARGET_KINDS: MappingProxyType = MappingProxyType(dict([
    _kind("fwd_ret", (_HORIZON,), forward.forward_return,
          "simple forward return close(t+h) / close(t) - 1", "fwd_ret_24"),
    _kind("fwd_logret", (_HORIZON,), forward.forward_log_return,
          "log forward return log(close(t+h) / close(t))", "fwd_logret_24"),
    _kind("fwd_volret", (_HORIZON, _VOL_WINDOW), forward.forward_volatility_return,
          "forward log return / (rolling one-bar vol * sqrt(h))", "fwd_volret_24_100"),
    _kind("binary_abs", (_HORIZON,
                         Param("threshold", float, "rise as a fraction, e.g. 0.02 = 2 %", minimum=0.0),
                         Param("mode", str, "close (at the horizon) or touch (highs within it)",
                               default="close", choices=binary.MODES)),
          binary.binary_absolute, "1 if price rises by threshold within h bars", "binary_abs_10_0.02"),
    _kind("binary_outperf", (_HORIZON,
                             Param("benchmark", str,
                                   f"a symbol, or '{binary.EQUAL_WEIGHT}' for the equal-weight universe")),
          binary.binary_outperformance, "1 if the forward return beats a benchmark's", "binary_outperf_24_ew"),
    _kind("multi_class", (_HORIZON,
                          Param("n_classes", int, "number of buckets, >= 2", minimum=2),
                          Param("window", int, "one-bar returns in the volatility that scales the return, >= 2",
                                minimum=2)),
          multiclass.multi_class, "bucket of the vol-scaled forward return (0 = strong sell)", "multi_class_24_5_500"),
    _kind("tb", (Param("horizon", triple_barrier.horizon, triple_barrier.HORIZON_HELP),
                 Param("profit_take", float, "upper barrier in target widths (0 = none)", minimum=0.0),
                 Param("stop_loss", float, "lower barrier in target widths (0 = none)", minimum=0.0),
                 Param("events", str, "all, cusum<threshold>, cusumvol<k>, or given: the events file "
                                      "(targets build --events FILE; compute_targets(..., events=frame))",
                       default="all",
                       canonical=lambda text: events.format_event_filter(events.parse_event_filter(text))),
                 Param("vertical", str, "label at the vertical barrier: sign or zero", default="sign",
                       choices=triple_barrier.VERTICAL_CHOICES),
                 Param("vol_window", int, _VOL_WINDOW.help, default=20, minimum=2),
                 Param("min_target", float, "minimum target width (log return)", default=0.0, minimum=0.0)),
          triple_barrier.triple_barrier, "triple barrier first touch in {-1, 0, +1}; h in bars or a duration "
                                          "(tb_5D_2.0_1.0: last bar by t + 5 days)", "tb_24_2.0_1.0"),
    _kind("y_will_swing_low", (Param("bars_ahead", int, "bars ahead, >= 1", minimum=1),
                               Param("pct", float, "rally in percent (0.20 = 0.20 %)", minimum=0.0, decimals=2)),
          swing.will_swing_low, "1 if no low undercuts close(t) and a high rallies pct % above it",
          "y_will_swing_low_10_0.20"),
    _kind("y_will_swing_high", (Param("bars_ahead", int, "bars ahead, >= 1", minimum=1),
                                Param("pct", float, "drop in percent (0.20 = 0.20 %)", minimum=0.0, decimals=2)),
          swing.will_swing_high, "1 if no high tops close(t) and a low drops pct % below it",
          "y_will_swing_high_10_0.20"),
]))


def _unknown(name: str, why: str) -> InputError:
    candidates = [k.example for k in TARGET_KINDS.values()] + list(TARGET_KINDS)
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return InputError(f"unknown target {name!r}: {why}", where="targets",
                      fix=hint + "see `alphaforge targets list` for the kinds and their parameters")


def parse_target(name: str) -> TargetSpec:
    """Spec of a target name; :class:`InputError` with a suggestion when it is not one."""
    matches = [prefix for prefix in TARGET_KINDS if name.startswith(prefix + "_")]
    if not matches:
        raise _unknown(name, "no target kind has this prefix")
    kind = TARGET_KINDS[max(matches, key=len)]
    tokens = name[len(kind.prefix) + 1:].split("_")
    if len(tokens) > len(kind.params) and kind.params[-1].type is str and kind.params[-1].choices is None:
        tokens = [*tokens[: len(kind.params) - 1], "_".join(tokens[len(kind.params) - 1:])]
    n_required = sum(p.required for p in kind.params)
    if not n_required <= len(tokens) <= len(kind.params) or "" in tokens:
        raise _unknown(name, f"{kind.prefix} takes {kind.template}")
    values = [p.parse(t, name) for p, t in zip(kind.params, tokens, strict=False)]
    values += [p.default for p in kind.params[len(tokens):]]
    return TargetSpec(kind.prefix, tuple((p.name, v) for p, v in zip(kind.params, values, strict=True)))


def parse_targets(names: Sequence[str]) -> list[TargetSpec]:
    """Specs of several names, duplicates (after canonicalisation) removed, order kept."""
    if isinstance(names, str):
        names = [names]
    return list(dict.fromkeys(parse_target(name) for name in names))


def code_version() -> str:
    """Hash of the source code that computes targets (families, shared core, this registry).

    Any change to target code invalidates every cached target: coarse, but never stale.
    """
    digest = hashlib.sha256()
    for module in (_core, binary, events, event_tables, forward, multiclass, swing, triple_barrier,
                   sys.modules[__name__]):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


REGRESSION_KINDS = ("fwd_ret", "fwd_logret", "fwd_volret")
"""Target kinds with continuous labels; every other kind is a classification."""
MAX_CLASSES = 10
"""Distinct whole-number labels that make an unregistered label column a classification."""


def is_regression(target: str) -> bool:
    """Whether ``target`` (a name) has continuous labels: the forward-return kinds."""
    return parse_target(target).kind in REGRESSION_KINDS


def task_of(target: str, labels: np.ndarray) -> str:
    """The one task rule: ``regression`` for forward-return kinds; else ``binary`` (two classes) or
    ``multiclass``, by the labels. A column that is not a registered target's name (a user's own
    label table) is a classification when its labels are at most :data:`MAX_CLASSES` whole numbers.

    >>> task_of("fwd_ret_5", np.array([0.1, -0.2])), task_of("tb_10_1.0_1.0", np.array([-1.0, 0.0, 1.0]))
    ('regression', 'multiclass')
    >>> task_of("my_label", np.array([0.5, 1.5])), task_of("my_label", np.array([0.0, 1.0, np.nan]))
    ('regression', 'binary')
    """
    values = np.unique(np.asarray(labels, dtype=np.float64))
    values = values[np.isfinite(values)]
    try:
        regression = is_regression(target)
    except InputError:
        regression = len(values) > MAX_CLASSES or not np.all(values == np.round(values))
    if regression:
        return "regression"
    return "binary" if len(values) <= 2 else "multiclass"
