"""Fixtures of the tuning tests: quiet Optuna logs and the synthetic data of :mod:`synthetic`."""

from __future__ import annotations

import optuna
import pytest

from alphaforge.tuning import TuningData
from tests.tuning.synthetic import synthetic_data


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture
def data() -> TuningData:
    return synthetic_data()
