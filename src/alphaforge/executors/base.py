"""The executor contract: run one function over many items, each as an independent task.

An executor never raises for a failing task: :meth:`Executor.map` returns one
:class:`JobResult` per item, in the items' order, holding either the value or the error with
its full traceback, so one bad job cannot stop the rest of a training plan. Tasks must be
module-level functions with picklable arguments: they travel to other processes (or machines).
"""

from __future__ import annotations

import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

from alphaforge.errors import AlphaForgeError


@dataclass(frozen=True)
class JobResult:
    """The outcome of one task: its position in the input, the value or the error, the seconds it took."""

    index: int
    ok: bool
    value: Any = None
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0

    def unwrap(self) -> Any:
        """The value; :class:`AlphaForgeError` carrying the task's error and traceback when it failed."""
        if not self.ok:
            raise AlphaForgeError(f"task {self.index} failed: {self.error}\n{self.traceback}", where=f"task {self.index}",
                                  fix="fix the cause shown in the traceback, then run again")
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (the value only when it is one of JSON's plain types)."""
        plain = self.value if isinstance(self.value, str | int | float | bool | dict | list | None) else repr(self.value)
        return {"index": self.index, "ok": self.ok, "value": plain, "error": self.error,
                "traceback": self.traceback, "seconds": self.seconds}


def run_task(fn: Callable[[Any], Any], index: int, item: Any) -> JobResult:
    """Call ``fn(item)`` and capture its value or its exception (runs inside the worker)."""
    started = time.perf_counter()
    try:
        value = fn(item)
    except Exception as exc:  # noqa: BLE001 - any task error is reported, never raised into the pool
        return JobResult(index, False, error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(),
                         seconds=time.perf_counter() - started)
    return JobResult(index, True, value=value, seconds=time.perf_counter() - started)


def lost_task(index: int, exc: BaseException) -> JobResult:
    """The result of a task whose worker died (killed, out of memory) before it could report."""
    text = "".join(traceback.format_exception(exc))
    return JobResult(index, False, error=f"worker lost: {type(exc).__name__}: {exc}", traceback=text)


class ToldResults(dict[int, JobResult]):
    """An executor's results by item index, each told to ``on_done`` (see :meth:`Executor.map`)
    as it is stored."""

    def __init__(self, on_done: Callable[[JobResult], None] | None) -> None:
        super().__init__()
        self.on_done = on_done

    def __setitem__(self, index: int, result: JobResult) -> None:
        super().__setitem__(index, result)
        if self.on_done is not None:
            self.on_done(result)

    def in_order(self) -> list[JobResult]:
        """The results in the order of the items."""
        return [self[index] for index in range(len(self))]


class Executor(ABC):
    """Runs tasks on ``workers`` processes; use as a context manager so workers are released.

    Subclasses implement :meth:`map` (and :meth:`close` when they hold resources). The same
    function, items and seeds give the same values on every executor: tasks share no state.
    """

    name: ClassVar[str]

    def __init__(self, workers: int) -> None:
        self.workers = workers

    @abstractmethod
    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], *,
            on_done: Callable[[JobResult], None] | None = None) -> list[JobResult]:
        """Run ``fn`` on every item; one result per item, in order; failures are results, not raises.
        ``on_done`` hears each result in this process as soon as its task ends (in the order
        tasks end), so a caller can show progress while the others run."""

    def close(self) -> None:
        """Release the workers (nothing to release by default)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def describe(self) -> dict[str, Any]:
        """Name and size, for reports."""
        return {"executor": self.name, "workers": self.workers}


def failures(results: Sequence[JobResult]) -> list[JobResult]:
    """The failed results, in order."""
    return [r for r in results if not r.ok]
