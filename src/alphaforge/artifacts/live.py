"""``live/<name>/state.json``: where a live loop stands, written last in every iteration.

The signal log (``signals.parquet/part-<n>.parquet`` and ``signals.csv``) is appended first;
this file then records the last part, the CSV's length and each symbol's last signalled bar in
one atomic write: the iteration's commit. A loop that restarts trusts this file, drops any
part written after it and cuts ``signals.csv`` back to ``csv_bytes``, so an iteration that was
killed half way is redone whole, never half kept (:mod:`alphaforge.live.signal_log`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from alphaforge.artifacts._base import Artifact


class LiveState(Artifact):
    """``state.json`` (see the module docstring). Times are ISO-8601 UTC strings."""

    SCHEMA: ClassVar[str] = "alphaforge.live_state"
    WHAT: ClassVar[str] = "live loop state"
    FIX: ClassVar[str] = ("delete the live/<name>/ folder to start the loop afresh (its signal log goes with it), "
                          "or restore the file from a backup")

    name: str
    dataset: str = Field(description="the prediction dataset in the raw store")
    iterations: int = Field(description="iterations committed")
    parts: int = Field(description="number of the last signal log part committed")
    rows: int = Field(description="signal log rows committed")
    csv_bytes: int = Field(description="length of signals.csv after the last committed iteration")
    events_bytes: int = Field(description="length of events.csv after the last committed iteration")
    floor: str = Field(description="bars before this time are warm-up, never signalled")
    signalled: dict[str, str] = Field(description="each symbol's last signalled bar")
    model: str = Field(description="the model version folder the loop scores with (workspace-relative)")
    retrained_at: str = Field(description="bar time of the last retrain (its data's end)")
    bars_since_retrain: int = Field(description="bar times signalled since the model was trained")
    past_scores: dict[str, list[float]] = Field(description="each symbol's last scores the rolling rule reads")
    recent_novel: list[bool] = Field(description="novel flags of the last scored rows")
