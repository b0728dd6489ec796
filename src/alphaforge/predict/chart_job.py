"""Prediction charts drawn by a detached process, so `alphaforge predict` answers without waiting
for matplotlib (importing it and drawing took 1-1.5 s of a 3 s command).

`alphaforge predict` (``--chart background``, the command's default) writes its tables, then a
job folder ``predictions/.<name>.charts/`` (the prices and predictions to draw, the title, a
token) and starts ``python -m alphaforge.predict.chart_job <folder> <token>`` in a session of
its own with no terminal. The command returns at once; the charts appear at their usual paths
(:func:`~alphaforge.predict.chart.chart_files`) a few seconds later.

Who writes the charts of NAME, and when:

- every prediction of NAME, whatever its chart mode, writes its tables and charts holding NAME's
  chart lock (:func:`chart_lock`), and first takes down what the last prediction drew or
  left pending (:func:`remove_charts`, :func:`cancel_chart_job`): no chart shows other rows
  than the tables beside it;
- the background process draws into a temporary folder of its own, holding no lock (the
  workspace stays free for every other command), then takes the chart lock and publishes the
  files only while the job folder still holds its token: a newer prediction of NAME replaced
  the job, and that prediction's own process draws it;
- the job folder goes when the charts are published. A process that fails leaves it, with
  its error in ``log.txt``; the next prediction of NAME replaces it.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from alphaforge.artifacts.chart_job import ChartJob
from alphaforge.cpus import usable_cpus
from alphaforge.errors import AlphaForgeError
from alphaforge.heap import skip_collection_at_exit
from alphaforge.predict.chart import chart_files, write_prediction_charts
from alphaforge.workspace import atomic_dir, atomic_write_bytes, file_lock

JOB_FILE = "job.json"
LOG_FILE = "log.txt"
LOCK_WAIT_S = 60.0
"""How long a writer waits for NAME's chart lock: it is held only while files are written."""


def job_folder(stem: Path) -> Path:
    """The pending job of the charts at ``stem`` (``predictions/<name>``): ``predictions/.<name>.charts/``."""
    return Path(stem).parent / f".{Path(stem).name}.charts"


@contextmanager
def chart_lock(stem: Path) -> Iterator[None]:
    """Hold the lock of the charts at ``stem`` (``predictions/.<name>.charts.lock``)."""
    with file_lock(Path(stem).parent / f".{Path(stem).name}.charts.lock", wait=LOCK_WAIT_S,
                   purpose=f"the charts of {Path(stem).name}"):
        yield


def cancel_chart_job(stem: Path) -> None:
    """Withdraw a pending background job of ``stem``'s charts: its process publishes nothing.
    Call holding :func:`chart_lock`."""
    shutil.rmtree(job_folder(stem), ignore_errors=True)


def remove_charts(stem: Path) -> None:
    """Take down the charts at ``stem`` and any pending job drawing them. Call holding :func:`chart_lock`."""
    cancel_chart_job(stem)
    Path(stem).with_suffix(".png").unlink(missing_ok=True)
    shutil.rmtree(stem, ignore_errors=True)


def start_chart_job(prices: pd.DataFrame, predictions: pd.DataFrame, stem: Path, *, title: str) -> list[Path]:
    """Start a detached process drawing :func:`~alphaforge.predict.chart.write_prediction_charts`
    of these frames at ``stem``; return the files it will write. Call holding :func:`chart_lock`,
    after :func:`remove_charts`."""
    token = secrets.token_hex(8)
    folder = job_folder(stem).resolve()
    with atomic_dir(folder) as staging:
        prices.to_parquet(staging / "prices.parquet", index=False)
        predictions.to_parquet(staging / "predictions.parquet", index=False)
        ChartJob(token=token, stem=str(Path(stem).resolve()), title=title).save(staging / JOB_FILE)
    with open(folder / LOG_FILE, "ab") as log:
        subprocess.Popen([sys.executable, "-m", __name__, str(folder), token], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log, start_new_session=True)
    return chart_files(predictions["symbol"].unique(), stem)


def _job(folder: Path) -> ChartJob | None:
    """The job in ``folder``; None once it was withdrawn (or is unreadable: nothing to publish)."""
    try:
        return ChartJob.load(folder / JOB_FILE)
    except AlphaForgeError:
        return None


def _token(folder: Path) -> str | None:
    job = _job(folder)
    return None if job is None else job.token


def run_chart_job(folder: Path, token: str) -> None:
    """Draw the job in ``folder`` and publish its charts, unless a newer prediction replaced it
    (what the background process runs)."""
    job = _job(folder)
    if job is None or job.token != token:
        return
    prices = pd.read_parquet(folder / "prices.parquet")
    predictions = pd.read_parquet(folder / "predictions.parquet")
    stem = Path(job.stem)
    with tempfile.TemporaryDirectory(prefix="alphaforge-charts-") as scratch:
        drawn = Path(scratch) / stem.name
        write_prediction_charts(prices, predictions, drawn, title=job.title, workers=usable_cpus())
        with chart_lock(stem):
            if _token(folder) != token:
                return
            atomic_write_bytes(stem.with_suffix(".png"), drawn.with_suffix(".png").read_bytes())
            with atomic_dir(stem) as staging:
                for path in drawn.iterdir():
                    shutil.copyfile(path, staging / path.name)
            shutil.rmtree(folder)


if __name__ == "__main__":
    skip_collection_at_exit()
    run_chart_job(Path(sys.argv[1]), sys.argv[2])
