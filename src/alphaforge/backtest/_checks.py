"""Argument checks shared by the engine and the strategies: errors name the parameter, the
value received and the fix, and suggest the closest allowed name ("did you mean ...")."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable

from alphaforge.errors import InputError


def suggestion(value: str, allowed: Iterable[str]) -> str:
    """' did you mean 'x'?' for the closest allowed name, or '' when none is close."""
    close = difflib.get_close_matches(str(value), list(allowed), n=1)
    return f" did you mean '{close[0]}'?" if close else ""


def check_choice(value: object, allowed: Iterable[str], name: str) -> str:
    """``value`` if it is one of ``allowed``; otherwise an InputError with the closest match."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise InputError(f"{name}={value!r} is not one of {list(options)}.{suggestion(str(value), options)}",
                         where=name, fix=f"pass one of {', '.join(options)}")
    return value


def check_number(value: object, name: str, *, low: float | None = None, high: float | None = None,
                 integer: bool = False) -> float:
    """``value`` as a finite number in [low, high] (a whole number when ``integer``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{name}={value!r} is not a finite number", where=name, fix=f"pass a number for {name}")
    if integer and value != int(value):
        raise InputError(f"{name}={value!r} is not a whole number", where=name, fix=f"pass an integer for {name}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise InputError(f"{name}={value!r} is outside {bounds}", where=name, fix=f"pass {name} within {bounds}")
    return float(value)
