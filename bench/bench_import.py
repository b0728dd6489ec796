"""Import benchmark: the 1 M-row synthetic panel (20 symbols x 50 000 hourly bars) from Parquet
and from CSV, side by side with a plain pandas / polars read of the same file.

Each measurement runs in a fresh subprocess so its peak memory is its own: the kernel's peak-RSS
watermark is reset after the imports (``/proc/self/clear_refs``), and the peak above that
baseline is reported. Printed per format:
  plain pandas read, plain polars read, AlphaForge read+validate (``import_path``), and the
  full ``alphaforge data import`` work (read, validate, write to the raw store, hash), with
  time, peak memory and the ratio to the plain pandas read.

Run: ``.venv/bin/python bench/bench_import.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

MEASURE = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import pandas as pd, polars as pl
    from alphaforge.data.importers import import_path
    from alphaforge.data.datasets import import_file
    from alphaforge.workspace import Workspace

    what, path, scratch = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

    def status(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1])

    with open("/proc/self/clear_refs", "w") as refs:  # reset the peak-RSS watermark to the current RSS
        refs.write("5")
    base = status("VmRSS:")
    start = time.perf_counter()
    if what == "pandas":
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, engine="pyarrow")
    elif what == "polars":
        frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    elif what == "validated":
        frame, _ = import_path(path)
    else:
        import_file(Workspace.create(scratch, force=True), path, name="panel")
    elapsed = time.perf_counter() - start
    peak = status("VmHWM:") - base
    print(json.dumps({"seconds": elapsed, "peak_mib": peak / 1024}))
""")

STEPS = (("pandas", "plain pandas read"), ("polars", "plain polars read"),
         ("validated", "alphaforge read + validate"), ("store", "alphaforge import into raw store"))


def _measure(what: str, path: Path, scratch: Path, repeat: int) -> dict[str, float]:
    runs = []
    for i in range(repeat):
        out = subprocess.run([sys.executable, "-c", MEASURE, what, str(path), str(scratch / f"ws{i}")],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {"seconds": min(r["seconds"] for r in runs), "peak_mib": min(r["peak_mib"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best is kept)")
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--bars", type=int, default=50_000)
    args = parser.parse_args()

    from alphaforge.data.synthetic import SynthSpec, generate_bars

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        bars = generate_bars(SynthSpec(symbols=args.symbols, bars=args.bars, freq="1h", seed=0))
        files = {"parquet": scratch / "panel.parquet", "csv": scratch / "panel.csv"}
        bars.to_parquet(files["parquet"], index=False)
        bars.to_csv(files["csv"], index=False)
        print(f"panel: {len(bars):,} rows ({args.symbols} symbols x {args.bars:,} bars); "
              f"parquet {files['parquet'].stat().st_size / 2**20:.1f} MiB, csv {files['csv'].stat().st_size / 2**20:.1f} MiB;"
              f" best of {args.repeat}")
        for fmt, path in files.items():
            results = {what: _measure(what, path, scratch, args.repeat) for what, _ in STEPS}
            plain = results["pandas"]
            print(f"\n{fmt.upper():8s} {'seconds':>9s} {'x pandas':>9s} {'peak MiB':>9s} {'x pandas':>9s}")
            for what, label in STEPS:
                r = results[what]
                print(f"  {label:34s} {r['seconds']:8.3f} {r['seconds'] / plain['seconds']:8.2f}x "
                      f"{r['peak_mib']:8.0f} {r['peak_mib'] / max(plain['peak_mib'], 1):8.2f}x")


if __name__ == "__main__":
    main()
