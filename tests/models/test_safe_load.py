"""Loading never unpickles: tampered, pickled and untrusted files are refused with a clear error."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import pytest

from alphaforge.errors import InputError
from alphaforge.models import UnsafeModelError, load_model
from alphaforge.models._skops import dumps_canonical, loads_trusted
from alphaforge.workspace import file_sha256
from tests.models.conftest import HAS_TORCH, make_problem


class Exploit:
    """An object whose unpickling would run code."""

    def __reduce__(self):
        return (print, ("this must never run",))


def _saved(build, family, task, tmp_path):
    problem = make_problem(task)
    model = build(family, task).fit(problem.X, problem.y)
    path = model.save(tmp_path / family)
    return path


def _replace(path, data: bytes) -> None:
    """Swap the model file *and* its recorded hash, as an attacker with write access could."""
    path.write_bytes(data)
    meta_path = path.parent / "model.json"
    meta = json.loads(meta_path.read_text())
    meta["model_sha256"] = file_sha256(path)
    meta_path.write_text(json.dumps(meta))


@pytest.mark.parametrize("family", ["lightgbm", "xgboost", "random_forest"])
def test_a_changed_model_file_is_refused(build, family, tmp_path):
    path = _saved(build, family, "binary", tmp_path)
    path.write_bytes(path.read_bytes() + b" ")
    with pytest.raises(UnsafeModelError, match="does not match the sha256"):
        load_model(path.parent)


def test_a_pickle_in_place_of_a_skops_file_is_refused(build, tmp_path, capsys):
    path = _saved(build, "random_forest", "binary", tmp_path)
    _replace(path, pickle.dumps(Exploit()))
    with pytest.raises(UnsafeModelError, match="not a skops archive"):
        load_model(path.parent)
    assert "must never run" not in capsys.readouterr().out


def test_a_skops_file_with_an_untrusted_type_is_refused(build, tmp_path):
    path = _saved(build, "logistic", "binary", tmp_path)
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    schema = archive.read("schema.json").decode().replace('"__module__": "sklearn.linear_model._logistic"',
                                                          '"__module__": "os"', 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in archive.namelist():
            target.writestr(name, schema if name == "schema.json" else archive.read(name))
    _replace(path, out.getvalue())
    with pytest.raises(UnsafeModelError, match="not trusted: os.LogisticRegression"):
        load_model(path.parent)


def test_garbage_in_a_native_model_file_is_refused(build, tmp_path):
    path = _saved(build, "xgboost", "regression", tmp_path)
    _replace(path, b"{not json")
    with pytest.raises(UnsafeModelError, match="cannot read the model file"):
        load_model(path.parent)


@pytest.mark.skipif(not HAS_TORCH, reason="needs the deep extra (torch)")
def test_torch_weights_load_without_unpickling_objects(build, tmp_path, capsys):
    import torch

    path = _saved(build, "lstm", "regression", tmp_path)
    buffer = io.BytesIO()
    torch.save({"weight": Exploit()}, buffer)
    _replace(path, buffer.getvalue())
    with pytest.raises(UnsafeModelError, match="cannot read the model file"):
        load_model(path.parent)
    assert "must never run" not in capsys.readouterr().out


def test_canonical_skops_bytes_round_trip(build):
    problem = make_problem("multiclass", n_rows=100)
    model = build("gradient_boosting", "multiclass", n_estimators=3).fit(problem.X, problem.y)
    data = dumps_canonical(model.estimator_)
    assert data == dumps_canonical(model.estimator_)
    restored = loads_trusted(data, "test")
    assert (restored.predict_proba(problem.X.to_numpy()) == model.estimator_.predict_proba(problem.X.to_numpy())).all()


def test_a_missing_model_json_names_the_fix(tmp_path):
    with pytest.raises(Exception, match="no saved model here"):
        load_model(tmp_path)


@pytest.mark.parametrize("model_file", ["../outside.txt", "/etc/hostname", "sub/../../outside.txt"])
def test_a_model_file_outside_its_folder_is_refused_before_it_is_read(build, tmp_path, model_file, monkeypatch):
    """Issue 20: model.json's model_file could point outside its folder; the file was read, then refused."""
    path = _saved(build, "lightgbm", "binary", tmp_path)
    (tmp_path / "outside.txt").write_bytes(path.read_bytes())
    meta_path = path.parent / "model.json"
    meta = json.loads(meta_path.read_text())
    meta["model_file"] = model_file
    meta_path.write_text(json.dumps(meta))
    read: list[str] = []
    real = type(path).read_bytes
    monkeypatch.setattr(type(path), "read_bytes", lambda self: read.append(str(self)) or real(self))
    with pytest.raises(InputError, match="outside|not a relative path") as info:
        load_model(path.parent)
    assert info.value.where == str(meta_path) and all(name.endswith("model.json") for name in read)


def test_a_model_json_that_is_not_utf8_is_refused(build, tmp_path):
    """Issue 20: a non-UTF-8 model.json raised UnicodeDecodeError (only JSONDecodeError was caught)."""
    path = _saved(build, "lightgbm", "binary", tmp_path)
    (path.parent / "model.json").write_bytes(b"\xff\xfe{not utf-8")
    with pytest.raises(UnsafeModelError, match="not valid JSON"):
        load_model(path.parent)
