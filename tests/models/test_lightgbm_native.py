"""A saved LightGBM model scores through lib_lightgbm's C API without importing the lightgbm
package, and its scores are bit-identical to the package's Booster on the same model text."""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import subprocess
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.models import UnsafeModelError, load_model
from alphaforge.models import _lightgbm_native as native
from tests.models.conftest import make_problem


def _ranked(X: pd.DataFrame) -> pd.DataFrame:
    """``xsr_`` columns as the feature layer makes them: each column's percentile rank across the
    symbols of a timestamp (ties and values exactly on split thresholds), NaN kept."""
    ranks = X.groupby(level="timestamp").rank(pct=True)
    return ranks.rename(columns=lambda name: f"xsr_{name}")


def _rows_to_score(X: pd.DataFrame) -> pd.DataFrame:
    """The problem's rows, then rows with every feature missing and with one feature missing."""
    missing = X.iloc[:3].copy()
    missing.iloc[0, :] = np.nan
    missing.iloc[1:, 0] = np.nan
    return pd.concat([X, missing])


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("early_stopping", [False, True], ids=["all-rounds", "best-iteration"])
@pytest.mark.parametrize("features", ["raw", "xsr"])
def test_a_loaded_model_scores_exactly_as_the_booster(build, tmp_path, task, early_stopping, features):
    problem = make_problem(task)
    X = _ranked(problem.X) if features == "xsr" else problem.X
    model = build("lightgbm", task)
    if early_stopping:
        model.fit(X.iloc[:300], problem.y[:300], eval_set=(X.iloc[300:], problem.y[300:]))
        assert model.best_iteration_ is not None
    else:
        model.fit(X, problem.y)
    loaded = load_model(model.save(tmp_path / "m").parent)
    assert not hasattr(loaded, "booster_")
    rows = _rows_to_score(X)
    booster = lgb.Booster(model_str=loaded.model_text_.decode("utf-8"))
    for matrix in (rows.to_numpy(np.float32), np.ascontiguousarray(rows.to_numpy(np.float32)),
                   rows.to_numpy(np.float64)):
        expected = booster.predict(matrix, num_iteration=loaded.best_iteration_)
        assert np.array_equal(loaded.native_.predict(matrix, num_iteration=loaded.best_iteration_ or -1), expected)
    outputs = loaded.predict(rows) if task == "regression" else loaded.predict_proba(rows)
    assert np.array_equal(outputs, model.predict(rows) if task == "regression" else model.predict_proba(rows))
    assert loaded._native_bytes() == (tmp_path / "m" / "booster.txt").read_bytes()


def test_a_loaded_model_pickles_and_copies_as_the_package_booster_did(build, tmp_path):
    # executors send models to spawned workers by pickle; the package's Booster pickled as its text
    problem = make_problem("multiclass")
    loaded = load_model(build("lightgbm", "multiclass").fit(problem.X, problem.y).save(tmp_path / "m").parent)
    expected = loaded.predict_proba(problem.X)
    for twin in (pickle.loads(pickle.dumps(loaded)), copy.deepcopy(loaded)):
        assert twin.native_ is not loaded.native_ and np.array_equal(twin.predict_proba(problem.X), expected)


def test_scoring_a_saved_model_imports_neither_lightgbm_nor_scipy(build, tmp_path):
    problem = make_problem("binary")
    folder = build("lightgbm", "binary").fit(problem.X, problem.y).save(tmp_path / "m").parent
    problem.X.to_parquet(tmp_path / "X.parquet")
    code = ("import json, sys\nimport pandas as pd\nfrom alphaforge.models import load_model\n"
            "model = load_model(sys.argv[1])\nscores = model.predict_proba(pd.read_parquet(sys.argv[2]))[:, 1]\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'lightgbm', 'sklearn', 'scipy', 'matplotlib'})\n"
            "print(json.dumps({'heavy': heavy, 'scores': scores.tolist()}))")
    out = subprocess.run([sys.executable, "-c", code, str(folder), str(tmp_path / "X.parquet")], capture_output=True,
                         text=True, check=True).stdout
    result = json.loads(out.splitlines()[-1])
    assert result["heavy"] == []
    assert result["scores"] == load_model(folder).predict_proba(problem.X)[:, 1].tolist()


def test_a_model_text_lightgbm_cannot_read_is_refused_as_unsafe(build, tmp_path):
    problem = make_problem("regression")
    path = build("lightgbm", "regression").fit(problem.X, problem.y).save(tmp_path / "m")
    text = b"tree\nversion=v4\n"  # not a model LightGBM can read, with its hash recorded anew
    path.write_bytes(text)
    meta = json.loads((path.parent / "model.json").read_text())
    meta["model_sha256"] = hashlib.sha256(text).hexdigest()
    (path.parent / "model.json").write_text(json.dumps(meta))
    with pytest.raises(UnsafeModelError, match="cannot read the model file"):
        load_model(path.parent)


def test_a_missing_library_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(native, "library_candidates", lambda: [tmp_path / "lib" / "lib_lightgbm.so"])
    native.native_library.cache_clear()
    try:
        with pytest.raises(InputError, match="not where the lightgbm package keeps it") as info:
            native.NativeBooster(b"tree\n")
        assert "pip install --force-reinstall lightgbm" in info.value.fix and str(tmp_path / "lib") in info.value.where
    finally:
        native.native_library.cache_clear()


def test_the_library_is_the_one_the_package_loads():
    from lightgbm.libpath import _find_lib_path

    found = next(p for p in native.library_candidates() if p.is_file())
    assert str(found) == _find_lib_path()[0]
