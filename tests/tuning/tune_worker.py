"""Run one tuning call on the synthetic test data (a subprocess the kill/resume tests kill).

Usage: python tune_worker.py WORKSPACE
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from alphaforge.tuning import tune
from alphaforge.workspace import Workspace
from tests.tuning.synthetic import fast_settings, synthetic_data

SETTINGS = fast_settings(family="lightgbm", random_trials=5, bayes_trials=2, fine_trials=2, checkpoints=1)
HEARTBEAT_S, GRACE_S = 1, 2


def main() -> None:
    tune(Workspace(Path(sys.argv[1])), synthetic_data(n_times=150), SETTINGS, heartbeat_interval=HEARTBEAT_S,
         grace_period=GRACE_S)


if __name__ == "__main__":
    main()
