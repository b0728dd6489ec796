"""`alphaforge run` benchmark: the full first run and the fully cached re-run, side by side.

By default on the bundled daily equities (the demo configuration); ``--synthetic`` uses a
small synthetic panel instead (quicker). Each run is a fresh ``alphaforge`` process, as a user
would type it, so import time is included. The goal: the cached re-run under 5 s.

Run: ``.venv/bin/python bench/bench_run.py [--synthetic] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alphaforge.workspace import Workspace
from _workspace import configure


def _alphaforge(root: Path, *args: str) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "alphaforge", "--workspace", str(root), *args], check=True,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - started, json.loads(out) if out.strip().startswith("{") else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="a 10 x 1500-bar synthetic panel, not the demo")
    parser.add_argument("--repeat", type=int, default=3, help="cached re-runs timed (the median is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        _alphaforge(root.parent, "init", str(root))
        if args.synthetic:
            configure(Workspace(root), data={"dataset": "synth", "macro": ""})
            _alphaforge(root, "data", "synth", "--symbols", "10", "--bars", "1500", "--freq", "1d")
        first, result = _alphaforge(root, "run", "--no-track", "--json")
        stages = {row["stage"]: row["seconds"] for row in result["stages"]}
        cached = sorted(_alphaforge(root, "run", "--no-track", "--json")[0] for _ in range(args.repeat))
        median = cached[len(cached) // 2]
        print(f"data: {'synthetic 10 x 1500 daily bars' if args.synthetic else 'bundled sp500 (demo config)'}")
        print(f"first run      {first:8.1f} s   stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
        print(f"cached re-run  {median:8.2f} s   (median of {args.repeat}; goal < 5 s; "
              f"{first / median:.0f}x faster than the first run)")


if __name__ == "__main__":
    main()
