"""The registry of named features: what each feature is, what it reads, how far back it looks.

A feature is a plain, pure function of past data. Its positional parameters name the
columns it reads (``open``, ``high``, ``low``, ``close``, ``volume``, ``timestamp`` as int64
UTC nanoseconds), its keyword-only parameters are its settings, and it returns one value per
input row, the value at row ``t`` computed from rows ``t - lookback .. t`` only (NaN where
fewer rows exist)::

    from alphaforge.features import register
    from alphaforge.features.windows import lag

    @register(name="px_gap_1", params={"n": 1}, lookback=1,
              description="open over the close 1 bar earlier, minus 1")
    def gap(open, close, *, n):
        '''Open of this bar over the close ``n`` bars earlier, minus one.'''
        return open / lag(close, n) - 1.0

The name's prefix before the first ``_`` is its group: ``ta`` indicators, ``px``
price/returns/volatility, ``vol`` volume, ``xs`` cross-sectional, ``macro``, ``cal``
calendar. Cross-sectional features (``kind="cross_sectional"``) compare a per-symbol *base*
feature across the symbols at each timestamp: their function takes the base values and a
:class:`~alphaforge.features._grid.Grid`. Macro features (``kind="macro"``) are templates
whose one positional parameter, ``macro``, receives each aligned macro series in turn.
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from alphaforge.errors import InputError

GROUPS: dict[str, str] = {
    "ta": "technical indicators",
    "px": "price, returns and volatility",
    "vol": "volume",
    "xs": "cross-sectional ranks across symbols",
    "macro": "macro series levels, changes and z-scores",
    "cal": "calendar",
}
MACRO_INPUT = "macro"
"""Input name of a macro template: one aligned macro series."""

Kind = Literal["symbol", "cross_sectional", "macro"]
_NAME = re.compile(r"^[a-z]+_[a-z0-9_]+$")


@dataclass(frozen=True)
class Feature:
    """One named feature and everything needed to compute, cache and audit it.

    ``lookback`` is the number of rows before ``t`` the value at ``t`` reads; prediction mode
    slices exactly that much warm-up. ``base`` is set for cross-sectional features only.
    """

    name: str
    func: Callable[..., np.ndarray]
    inputs: tuple[str, ...]
    lookback: int
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    kind: Kind = "symbol"
    base: str | None = None

    @property
    def group(self) -> str:
        """The name's prefix: ``ta``, ``px``, ``vol``, ``xs``, ``macro``, ``cal``..."""
        return self.name.split("_", 1)[0]

    @property
    def market_wide(self) -> bool:
        """True when the value is the same for every symbol on a bar (macro series, the calendar):
        such a feature can time the market but cannot rank symbols against each other."""
        return self.kind == "macro" or (self.kind == "symbol" and set(self.inputs) <= {"timestamp"})

    def compute(self, **columns: np.ndarray) -> np.ndarray:
        """Call the function on named input arrays with this feature's parameters."""
        return self.func(*(columns[c] for c in self.inputs), **self.params)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for ``features list --json``."""
        return {
            "name": self.name,
            "group": self.group,
            "kind": self.kind,
            "inputs": list(self.inputs),
            "lookback": self.lookback,
            "params": dict(self.params),
            "base": self.base,
            "description": self.description,
        }


def _inputs_of(func: Callable[..., Any]) -> tuple[str, ...]:
    """Column names a feature reads: the function's positional parameters."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return tuple(p.name for p in inspect.signature(func).parameters.values() if p.kind in kinds)


Derivation = Callable[[Feature], Feature]


class FeatureRegistry:
    """A name → :class:`Feature` map with lookup by name, group and glob pattern.

    A *derivation* (:meth:`derive`) turns any registered per-symbol feature into another
    feature named ``<prefix><base name>``, created the first time the name is looked up: the
    cross-sectional rank ``xsr_<feature>`` of every feature exists without registering each.
    """

    def __init__(self) -> None:
        self._features: dict[str, Feature] = {}
        self._derivations: dict[str, Derivation] = {}

    def derive(self, prefix: str, make: Derivation) -> None:
        """Let ``<prefix><name>`` resolve to ``make(<the per-symbol feature name>)`` on first lookup."""
        self._derivations[prefix] = make

    def derived(self, name: str) -> Feature | None:
        """The feature a derivation makes for ``name`` (registered now), or None when none applies."""
        for prefix, make in self._derivations.items():
            base = self._features.get(name.removeprefix(prefix)) if name.startswith(prefix) else None
            if base is not None and base.kind == "symbol" and not base.market_wide:
                return self.add(make(base))
        return None

    def add(self, feature: Feature) -> Feature:
        """Add a feature; names are unique and follow ``<group>_<rest>`` in lower case."""
        if not _NAME.match(feature.name):
            raise InputError(f"feature name {feature.name!r} is not <group>_<name> in lower case",
                             where="feature registry", fix="name it like 'px_gap_1' (letters, digits, '_')")
        if feature.name in self._features:
            raise InputError(f"feature {feature.name!r} is already registered", where="feature registry",
                             fix="choose another name, or register it in a fresh FeatureRegistry")
        if feature.lookback < 0:
            raise InputError(f"feature {feature.name!r} has negative lookback {feature.lookback}",
                             where="feature registry", fix="lookback counts rows before t: use 0 or more")
        if feature.kind == "cross_sectional" and feature.base not in self._features:
            raise InputError(f"cross-sectional feature {feature.name!r} needs base {feature.base!r} registered first",
                             where="feature registry", fix="register the per-symbol base feature before it")
        self._features[feature.name] = feature
        return feature

    def remove(self, name: str) -> None:
        """Take feature ``name`` out, with every feature derived from it (a notebook re-registering
        an edited feature, a test cleaning up after itself)."""
        self.get(name)  # an unknown name raises with "did you mean"
        for other in [f.name for f in self if f.name == name or (f.base == name and f.name.startswith(
                tuple(self._derivations)))]:
            del self._features[other]

    def __contains__(self, name: object) -> bool:
        return name in self._features or (isinstance(name, str) and self.derived(name) is not None)

    def __iter__(self) -> Iterator[Feature]:
        return iter(self._features.values())

    def __len__(self) -> int:
        return len(self._features)

    def names(self) -> list[str]:
        """All feature names in registration order."""
        return list(self._features)

    def get(self, name: str) -> Feature:
        """The feature called ``name``; an unknown name raises with the closest names."""
        try:
            return self._features[name]
        except KeyError:
            derived = self.derived(name)
            if derived is not None:
                return derived
            close = difflib.get_close_matches(name, self._features, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "run `alphaforge features list`"
            raise InputError(f"unknown feature {name!r}", where="feature set", fix=hint) from None

    def group(self, group: str) -> list[Feature]:
        """Features whose name starts with ``<group>_``."""
        return [f for f in self if f.group == group]

    def match(self, pattern: str) -> list[Feature]:
        """Features whose name matches a glob pattern such as ``ta_rsi_*``."""
        return [f for f in self if fnmatch.fnmatchcase(f.name, pattern)]


def make_feature(func: Callable[..., np.ndarray], *, name: str, lookback: int, description: str,
                 params: Mapping[str, Any] | None = None, kind: Kind = "symbol",
                 base: str | None = None) -> Feature:
    """Build a :class:`Feature`, reading its input columns from ``func``'s positional parameters."""
    return Feature(name=name, func=func, inputs=_inputs_of(func), lookback=lookback,
                   params=MappingProxyType(dict(params or {})), description=description, kind=kind, base=base)


REGISTRY = FeatureRegistry()
"""The default registry: every built-in feature, plus those users register."""


def register(func: Callable[..., np.ndarray] | None = None, *, name: str, lookback: int, description: str,
             params: Mapping[str, Any] | None = None, kind: Kind = "symbol", base: str | None = None,
             registry: FeatureRegistry | None = None) -> Any:
    """Register ``func`` as feature ``name`` (in :data:`REGISTRY` unless ``registry`` is given).

    Called with the function it returns the :class:`Feature`; without one it is a decorator
    that registers the function it decorates and returns that function unchanged. The function
    is a pure function of its input arrays: the compute path calls it for several symbols at
    once, on one thread per usable CPU, so it must keep no state between calls.

    >>> r = FeatureRegistry()
    >>> @register(name="px_spread", lookback=0, description="high/low - 1", registry=r)
    ... def spread(high, low):
    ...     '''High over low minus one, this bar.'''
    ...     return high / low - 1.0
    >>> r.get("px_spread").inputs
    ('high', 'low')
    """
    settings = {"name": name, "lookback": lookback, "description": description, "params": params, "kind": kind,
                "base": base}
    target = REGISTRY if registry is None else registry
    if func is None:
        def decorate(decorated: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
            target.add(make_feature(decorated, **settings))
            return decorated

        return decorate
    return target.add(make_feature(func, **settings))
