"""Executors: where training-plan jobs and tuning workers run (this machine's processes, or Ray).

``make_executor("local" | "ray", workers, address)`` gives an :class:`Executor` whose ``map``
returns one :class:`JobResult` per task, in order, failures included with their tracebacks.
"""

from alphaforge.executors.base import Executor, JobResult, failures, run_task
from alphaforge.executors.local import LocalExecutor
from alphaforge.executors.ray import RayExecutor
from alphaforge.executors.registry import EXECUTORS, make_executor

__all__ = ["EXECUTORS", "Executor", "JobResult", "LocalExecutor", "RayExecutor", "failures", "make_executor",
           "run_task"]
