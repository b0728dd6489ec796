"""The symbols or series ids a download asks for, as a clean list."""

from __future__ import annotations

from collections.abc import Iterable

from alphaforge.errors import InputError


def as_name_list(names: str | Iterable[str], parameter: str, example: str) -> list[str]:
    """One name or many, stripped and de-duplicated in order; InputError when none or blank."""
    given = [names] if isinstance(names, str) else list(names)
    result: list[str] = []
    for name in given:
        clean = str(name).strip()
        if not clean:
            raise InputError(f"blank name in {parameter}: {given!r}", where=parameter,
                             fix=f"remove the blank entry; names look like {example}")
        if clean not in result:
            result.append(clean)
    if not result:
        raise InputError(f"no {parameter} given", where=parameter, fix=f"pass at least one, e.g. {example}")
    return result
