"""``predictions/.<name>.charts/job.json`` (:class:`ChartJob`): what a background chart process
draws and where (:mod:`alphaforge.predict.chart_job`). The token tells the process whether a
newer prediction of the same name replaced its job: then it publishes nothing."""

from __future__ import annotations

from typing import ClassVar

from alphaforge.artifacts._base import Artifact


class ChartJob(Artifact):
    """A pending chart job: its ``token``, the charts' ``stem`` (an absolute path) and ``title``."""

    SCHEMA: ClassVar[str] = "alphaforge.chart_job"
    WHAT: ClassVar[str] = "pending chart job (job.json)"
    FIX: ClassVar[str] = "run `alphaforge predict` again: it replaces the job"

    token: str
    stem: str
    title: str
