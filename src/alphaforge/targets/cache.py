"""Cache of computed targets, one file per target, keyed by what the values depend on.

The key hashes the raw data's sha256 (the caller passes the fingerprint it recorded when the
data was imported), the target's canonical name and :func:`code_version`, and for a target on
user-given events the events' content. The cache lives in a directory the caller chooses;
files are written atomically with their sha256 beside them
(:func:`~alphaforge.workspace.write_checked_parquet`) and verified when read, so neither a crash
nor a changed, truncated or swapped file is ever served as a hit: it is recomputed with a notice.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alphaforge.errors import InputError
from alphaforge.targets._core import shared_bar_keys
from alphaforge.targets.compute import check_events_use, compute_target, key_frame, t1_column
from alphaforge.targets.events import events_fingerprint
from alphaforge.targets.registry import TargetSpec, code_version, parse_targets
from alphaforge.workspace import read_checked_parquet, write_checked_parquet


@dataclass
class BuildReport:
    """Which targets came from the cache and which were computed."""

    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


class TargetCache:
    """Targets stored under ``directory`` as ``<key>.parquet``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def key(self, data_sha256: str, spec: TargetSpec, events_sha256: str | None = None) -> str:
        """Cache key of ``spec`` computed from the data with fingerprint ``data_sha256``; a target
        on given events also keys on their fingerprint (:func:`~alphaforge.targets.events.events_fingerprint`)."""
        content = {"data": data_sha256, "target": spec.name, "code": code_version()}
        if spec.needs_events:
            if events_sha256 is None:
                raise InputError("a target on given events is cached by the events' content, and none were given",
                                 where=f"target {spec.name!r}", fix="pass the events (`targets build --events FILE`)")
            content["events"] = events_sha256
        payload = json.dumps(content, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def path(self, key: str) -> Path:
        """File holding the entry for ``key``."""
        return self.directory / f"{key}.parquet"

    def load(self, key: str) -> pd.DataFrame | None:
        """The cached frame for ``key``, or None on a miss (a broken or changed entry is one, with a notice)."""
        return read_checked_parquet(self.path(key))

    def save(self, key: str, frame: pd.DataFrame) -> Path:
        """Write ``frame`` for ``key`` atomically, with its checksum."""
        write_checked_parquet(self.path(key), frame)
        return self.path(key)


def build_targets(bars: pd.DataFrame, names: Sequence[str], *, data_sha256: str, cache: TargetCache,
                  events: pd.DataFrame | None = None) -> tuple[pd.DataFrame, BuildReport]:
    """Like :func:`~alphaforge.targets.compute.compute_targets`, reusing cached targets.

    ``data_sha256`` must fingerprint ``bars``' source data: a wrong one returns stale values.
    Targets on given ``events`` are keyed by the events' content too.
    """
    specs = parse_targets(names)
    check_events_use(specs, events)
    events_sha256 = events_fingerprint(events) if events is not None else None
    report = BuildReport()
    with shared_bar_keys():  # the bars' symbols, slices and timestamps, worked out once for all targets
        frame = key_frame(bars)
        for spec in specs:
            key = cache.key(data_sha256, spec, events_sha256)
            cached = cache.load(key)
            if cached is None or len(cached) != len(frame):
                cached = compute_target(bars, spec, events)
                cache.save(key, cached)
                report.misses.append(spec.name)
            else:
                report.hits.append(spec.name)
            frame = frame.join(cached[[spec.name, t1_column(spec.name)]])
    return frame, report
