"""scikit-learn models on disk with skops: no pickle, an explicit list of trusted types, and
byte-identical files for identical models.

skops stores an object tree as JSON plus ``.npy`` arrays in a zip. Two things make its output
differ between runs of the same model: zip entry times, and object ids (memory addresses)
used as memo keys and array file names. :func:`dumps_canonical` renumbers the ids in order of
first appearance in ``schema.json`` and writes the zip with a fixed time, so the same model
gives the same bytes (the determinism test compares files). Loading lists the archive's
non-default types and refuses any not in :data:`TRUSTED_TYPES`; a file that is not a skops
archive at all (say, a pickle) is refused too.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from alphaforge.models.base import UnsafeModelError

TRUSTED_TYPES = frozenset({
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
})
"""Types outside skops' default safe set that scikit-learn families need; nothing else loads."""

_SCHEMA = "schema.json"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_NUMBER = re.compile(r"(?<![\w.])\d+(?!\d)")
_ID = re.compile(r'"__id__": (\d+)')


def dumps_canonical(obj: Any) -> bytes:
    """skops bytes of ``obj`` with ids renumbered and fixed zip times (see the module docstring)."""
    import skops.io as sio

    source = zipfile.ZipFile(io.BytesIO(sio.dumps(obj)))
    schema = source.read(_SCHEMA).decode("utf-8")
    stems = {name.split(".", 1)[0] for name in source.namelist() if name.split(".", 1)[0].isdigit()}
    ids = stems | set(_ID.findall(schema))
    numbering: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in ids:
            return token
        return numbering.setdefault(token, str(len(numbering)))

    schema = _NUMBER.sub(renumber, schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stem, _, suffix = info.filename.partition(".")
            name = f"{numbering[stem]}.{suffix}" if stem in numbering else info.filename
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, schema.encode("utf-8") if info.filename == _SCHEMA else source.read(info.filename))
    return out.getvalue()


def loads_trusted(data: bytes, where: str) -> Any:
    """Load skops bytes, refusing non-skops data and any type outside :data:`TRUSTED_TYPES`."""
    import skops.io as sio

    try:
        untrusted = set(sio.get_untrusted_types(data=data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnsafeModelError(f"not a skops archive ({exc}); refusing to load it", where=where,
                               fix="re-run `alphaforge train`; never replace model files by hand") from None
    refused = sorted(untrusted - TRUSTED_TYPES)
    if refused:
        raise UnsafeModelError(f"the file asks to load types that are not trusted: {', '.join(refused)}",
                               where=where, fix="re-run `alphaforge train`; never replace model files by hand")
    return sio.loads(data, trusted=sorted(untrusted))
