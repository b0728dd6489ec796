"""CLI start-up benchmark: `alphaforge --help`, `--version` and every `<command> --help`, each a fresh
process, beside `python -c pass` (the interpreter's own start: the floor no command can beat) and
against the 0.3 s goal of issue 17.

Each line is the best of ``--repeat`` runs (the least disturbed by other work): wall seconds, the
child's CPU seconds (user + system; on a busy machine wall time above CPU time is other work) and
the ratio of wall time to the floor's. The machine's load is printed first.

Run: ``.venv/bin/python bench/bench_cli.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

GOAL_S = 0.3
"""Issue 17: help and version answer in at most this many seconds, without numpy or pandas."""


def _alphaforge() -> list[str]:
    """The console script installed beside this interpreter (what a user runs), else ``python -m alphaforge``."""
    script = Path(sys.executable).with_name("alphaforge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "alphaforge"]


def _run(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (the best is kept)")
    args = parser.parse_args()

    import typer.main

    from alphaforge.cli import app
    from alphaforge.cli._lazy import command_paths

    from _timing import compile_bytecode

    print(compile_bytecode())
    cli = _alphaforge()
    runs = {"alphaforge --version": [*cli, "--version"]}
    runs |= {" ".join(["alphaforge", *path, "--help"]): [*cli, *path, "--help"]
             for path in command_paths(typer.main.get_command(app))}
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average (1, 5, 15 min): {load}; {len(os.sched_getaffinity(0))} CPUs usable; "
          f"best of {args.repeat}; goal {GOAL_S} s")
    floor = min(_run([sys.executable, "-c", "pass"]) for _ in range(args.repeat))
    print(f"\n{'command':44s} {'wall s':>7s} {'cpu s':>7s} {'x floor':>8s}")
    print(f"{'python -c pass (floor)':44s} {floor[0]:7.3f} {floor[1]:7.3f} {1:7.1f}x")
    results = {label: min(_run(argv) for _ in range(args.repeat)) for label, argv in runs.items()}
    for label, (wall, cpu) in results.items():
        verdict = "" if wall <= GOAL_S else f"  over the {GOAL_S} s goal"
        print(f"{label:44s} {wall:7.3f} {cpu:7.3f} {wall / floor[0]:7.1f}x{verdict}")
    slowest = max(results, key=lambda label: results[label][0])
    over = sum(wall > GOAL_S for wall, _ in results.values())
    print(f"\nslowest: {slowest} {results[slowest][0]:.3f} s; {over} of {len(results)} over the {GOAL_S} s goal")


if __name__ == "__main__":
    main()
