"""The Ray executor (``--executor ray``, extra ``distributed``): tasks on a Ray runtime.

With an address (``ray://head:10001``, ``head:6379`` or ``auto``) it attaches to a running
cluster; without one it attaches to the runtime already started in this process, or starts a
local one with ``workers`` CPUs and stops it on :meth:`close`. Each task asks for one CPU and is
not retried: a task whose worker dies is reported as lost, the same as on the local executor.

``ray`` is imported only when this executor is created, so AlphaForge runs without it. On a
cluster every node needs AlphaForge installed and the workspace at the same path (a shared
filesystem); studies live in the shared database, not in the workspace.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from alphaforge.cpus import THREADS_ENV
from alphaforge.errors import InputError
from alphaforge.executors.base import Executor, JobResult, ToldResults, lost_task, run_task


def import_ray() -> ModuleType:
    """The ``ray`` module, or :class:`InputError` naming the extra to install."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise InputError("the Ray executor needs the `ray` package", where="--executor ray",
                         fix="pip install 'alphaforge[distributed]' (or use --executor local)") from None


class RayExecutor(Executor):
    """Tasks on a Ray runtime: the cluster at ``address``, or a local one with ``workers`` CPUs."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        ray = import_ray()
        self._ray = ray
        self._owns_runtime = False
        if not ray.is_initialized():
            options: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
            try:
                ray.init(**options, include_dashboard=False, log_to_driver=False, configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise InputError(f"cannot start or reach Ray at {address or 'a new local runtime'}: {exc}",
                                 where="--ray-address",
                                 fix="start the cluster (`ray start --head`) and pass its address, e.g. "
                                     "--ray-address ray://head:10001, or leave it out for a local runtime") from None
            self._owns_runtime = True
        super().__init__(workers or int(ray.cluster_resources().get("CPU", 1)))
        # one CPU per task, so one thread for its model fits (Ray caps OpenMP the same way)
        self._remote = ray.remote(num_cpus=1, max_retries=0,
                                  runtime_env={"env_vars": {THREADS_ENV: "1"}})(run_task)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], *,
            on_done: Callable[[JobResult], None] | None = None) -> list[JobResult]:
        pending = {self._remote.remote(fn, index, item): index for index, item in enumerate(items)}
        results = ToldResults(on_done)
        while pending:
            (ref,), _ = self._ray.wait(list(pending), num_returns=1)  # the next task to end, whichever
            index = pending.pop(ref)
            try:
                results[index] = self._ray.get(ref)
            except self._ray.exceptions.RayError as exc:  # the worker died, or the task could not be scheduled
                results[index] = lost_task(index, exc)
        return results.in_order()

    def close(self) -> None:
        if self._owns_runtime and self._ray.is_initialized():
            self._ray.shutdown()
        self._owns_runtime = False

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "resources": dict(self._ray.cluster_resources())}
