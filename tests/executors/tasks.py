"""Module-level tasks and objectives the executor tests ship to worker processes (they must pickle)."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import optuna


def seeded_draws(seed: int) -> list[float]:
    """Five draws of a generator seeded with ``seed``: the same on every executor."""
    return np.random.default_rng(seed).normal(size=5).tolist()


def fail_on_three(value: int) -> int:
    """``value`` squared, except that 3 raises."""
    if value == 3:
        raise ValueError(f"no good: {value}")
    return value * value


def sleep_then_echo(spec: tuple[float, int]) -> int:
    """Sleep ``spec[0]`` seconds, return ``spec[1]`` (later items finish first when sleeps shrink)."""
    time.sleep(spec[0])
    return spec[1]


def echo_or_wait(spec: tuple[str, str]) -> str | bool:
    """("echo", text): ``text`` at once; ("wait", path): whether the file at ``path`` appeared
    within 20 s (a test writes it when it hears of the echo's end)."""
    kind, value = spec
    if kind == "echo":
        return value
    deadline = time.monotonic() + 20.0
    while not os.path.exists(value):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def pid_of_worker(_: object) -> int:
    return os.getpid()


def die_on_zero(value: int) -> int:
    """Kill this worker process outright for 0 (as the OOM killer would); echo other values."""
    if value == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.2)
    return value


def quadratic(trial: optuna.Trial) -> float:
    """A quick objective with a short sleep, so two workers' trials overlap."""
    x = trial.suggest_float("x", -10, 10)
    time.sleep(0.05)
    return (x - 2) ** 2


def hang(trial: optuna.Trial) -> float:
    """An objective that never finishes in test time (the worker running it gets killed)."""
    trial.suggest_float("x", -10, 10)
    time.sleep(600)
    return 0.0


def threads_allowed(_: object) -> tuple[int, str]:
    """The threads a model fit in this worker may use, and the OpenMP cap the worker runs under."""
    from alphaforge.cpus import usable_cpus

    return usable_cpus(), os.environ.get("OMP_NUM_THREADS", "")
