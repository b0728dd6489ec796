"""Scoring a saved LightGBM model through ``lib_lightgbm``'s C API, without importing the
``lightgbm`` package.

Why: ``import lightgbm`` imports scikit-learn and SciPy (1-2 s of CPU and ~70 MB), although
scoring a saved model needs only the shared library the package ships. `alphaforge predict`
must answer within a second, so a loaded model scores here; training keeps the package.

What keeps the scores identical to ``lightgbm.Booster.predict`` on the same model text: the
same library file (found in the installed package's folder the way its ``libpath`` finds it,
so both load one copy), and the same calls with the same arguments —
``LGBM_BoosterLoadModelFromString`` on the model's UTF-8 text, then
``LGBM_BoosterCalcNumPredict`` and ``LGBM_BoosterPredictForMat`` with the normal prediction
type, start iteration 0, the given ``num_iteration`` (-1: all), an empty parameter string, the
matrix's float32/float64 values in its own memory order, and float64 output reshaped to one row
per input row when the model has several outputs per row.

>>> from alphaforge.models._lightgbm_native import NativeBooster  # doctest: +SKIP
>>> NativeBooster(Path("booster.txt").read_bytes()).predict(X, num_iteration=-1)  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import sys
import weakref
from pathlib import Path

import numpy as np

from alphaforge.errors import InputError

_PREDICT_NORMAL = 0
_DTYPE_FLOAT32, _DTYPE_FLOAT64 = 0, 1
_COLUMN_MAJOR, _ROW_MAJOR = 0, 1
_MAX_ROWS = 2**31 - 1
"""The C API counts rows in an int32."""
_REINSTALL = "reinstall LightGBM in this environment: pip install --force-reinstall lightgbm"


class NativeLightGBMError(RuntimeError):
    """``lib_lightgbm`` refused a call; the message is its ``LGBM_GetLastError``. Loading a model
    turns it into :class:`~alphaforge.models.base.UnsafeModelError` naming the file."""


def _library_name() -> str:
    if sys.platform == "win32":
        return "lib_lightgbm.dll"
    return "lib_lightgbm.dylib" if sys.platform == "darwin" else "lib_lightgbm.so"


def library_candidates() -> list[Path]:
    """Where the installed ``lightgbm`` package looks for its library, in its order (the folder
    above the package, then ``bin/`` and ``lib/`` in it); found without importing the package."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the lightgbm package is not installed, so its model cannot be scored",
                         where="python environment", fix="pip install lightgbm (AlphaForge's default model family)")
    package = Path(next(iter(spec.submodule_search_locations))).resolve()
    return [folder / _library_name() for folder in (package.parent, package / "bin", package / "lib")]


@functools.cache
def native_library() -> ctypes.CDLL:
    """``lib_lightgbm`` with the argument and result types of the functions used here (loaded once)."""
    candidates = library_candidates()
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise InputError(f"LightGBM's library {_library_name()} is not where the lightgbm package keeps it",
                         where=", ".join(str(p.parent) for p in candidates), fix=_REINSTALL)
    try:
        library = ctypes.CDLL(str(path))
    except OSError as error:
        raise InputError(f"LightGBM's library cannot be loaded ({error})", where=str(path), fix=_REINSTALL) from None
    handle, out_int, out_int64 = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int64)
    signatures = {
        "LGBM_GetLastError": ([], ctypes.c_char_p),
        "LGBM_BoosterLoadModelFromString": ([ctypes.c_char_p, out_int, ctypes.POINTER(handle)], ctypes.c_int),
        "LGBM_BoosterFree": ([handle], ctypes.c_int),
        "LGBM_BoosterCalcNumPredict": ([handle, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, out_int64],
                                       ctypes.c_int),
        "LGBM_BoosterPredictForMat": ([handle, ctypes.c_void_p, ctypes.c_int, ctypes.c_int32, ctypes.c_int32,
                                       ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                       out_int64, ctypes.POINTER(ctypes.c_double)], ctypes.c_int),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(library, name)
        function.argtypes, function.restype = arguments, result
    return library


def _check(library: ctypes.CDLL, status: int) -> None:
    if status != 0:
        raise NativeLightGBMError(library.LGBM_GetLastError().decode("utf-8", errors="replace"))


class NativeBooster:
    """A LightGBM model loaded from its text, scored through the C API (see the module docstring).

    The model's memory is freed when this object is collected. It pickles as its text (as the
    package's Booster does), so a loaded model still travels to executor workers.
    """

    def __init__(self, model_text: bytes) -> None:
        model_text.decode("utf-8")  # LightGBM's text format: other bytes are refused, as the package refuses them
        self.model_text = model_text
        library = native_library()
        handle, iterations = ctypes.c_void_p(), ctypes.c_int(0)
        _check(library, library.LGBM_BoosterLoadModelFromString(model_text, ctypes.byref(iterations),
                                                               ctypes.byref(handle)))
        self._library, self._handle = library, handle
        self._free = weakref.finalize(self, library.LGBM_BoosterFree, handle)

    def __reduce__(self) -> tuple[type[NativeBooster], tuple[bytes]]:
        return NativeBooster, (self.model_text,)

    def predict(self, X: np.ndarray, *, num_iteration: int = -1) -> np.ndarray:
        """The model's outputs for the rows of ``X`` with its first ``num_iteration`` trees (-1:
        all): one float64 per row, or a row of them per input row (multi-class probabilities).
        ``X`` is 2-D; a column count other than the model's is refused by the library."""
        if X.shape[0] > _MAX_ROWS:
            raise InputError(f"{X.shape[0]:,} rows are more than LightGBM scores at once ({_MAX_ROWS:,})",
                             where="LightGBM model", fix="score the rows in chunks")
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        order, layout = ("F", _COLUMN_MAJOR) if X.flags["F_CONTIGUOUS"] else ("C", _ROW_MAJOR)
        data = np.asarray(X, dtype=dtype, order=order)
        rows = ctypes.c_int64(0)
        _check(self._library, self._library.LGBM_BoosterCalcNumPredict(
            self._handle, X.shape[0], _PREDICT_NORMAL, 0, num_iteration, ctypes.byref(rows)))
        output = np.empty(rows.value, dtype=np.float64)
        written = ctypes.c_int64(0)
        _check(self._library, self._library.LGBM_BoosterPredictForMat(
            self._handle, data.ctypes.data, _DTYPE_FLOAT32 if dtype == np.float32 else _DTYPE_FLOAT64,
            X.shape[0], X.shape[1], layout, _PREDICT_NORMAL, 0, num_iteration, b"", ctypes.byref(written),
            output.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if written.value != output.size:
            raise NativeLightGBMError(f"LightGBM wrote {written.value} predictions where {output.size} were expected")
        return output if output.size == X.shape[0] else output.reshape(X.shape[0], -1)
