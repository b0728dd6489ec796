"""The base of every artifact owner: a typed document with a schema name and version.

On disk an artifact is a JSON object whose ``schema`` field reads ``alphaforge.<name>/<version>``
beside its fields. Loading refuses, with an :class:`~alphaforge.errors.InputError` naming the file
and the command that rebuilds it, a file that is damaged, of another schema, of a version newer
than this code reads, or missing a field. A file without ``schema`` was written before
versions were recorded: it is version 1. An owner whose shape changed reads older versions
through :meth:`Artifact.upgrade`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from alphaforge.artifacts._json import read_json
from alphaforge.errors import InputError
from alphaforge.workspace import atomic_write_json

_SCHEMA = re.compile(r"^(?P<name>[a-z0-9_.]+)/(?P<version>\d+)$")


class Part(BaseModel):
    """A nested part of an artifact (a target, a time range, a job): fixed fields, read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Artifact(BaseModel):
    """A JSON document the product writes and reads back (see the module docstring).

    Subclasses declare ``SCHEMA`` (``alphaforge.<name>``), ``VERSION`` (what :meth:`save`
    writes), ``WHAT`` (the file as a person calls it) and ``FIX`` (the command that rebuilds
    it; a caller that knows better passes ``fix=``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    SCHEMA: ClassVar[str]
    VERSION: ClassVar[int] = 1
    WHAT: ClassVar[str]
    FIX: ClassVar[str]

    @classmethod
    def schema_id(cls) -> str:
        """The ``schema`` value this code writes, e.g. ``alphaforge.model_card/2``."""
        return f"{cls.SCHEMA}/{cls.VERSION}"

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data (without ``schema``): what a command prints with ``--json``."""
        return self.model_dump()

    def document(self) -> dict[str, Any]:
        """What :meth:`save` writes: ``schema`` first, then the fields."""
        return {"schema": self.schema_id(), **self.to_dict()}

    def save(self, path: Path) -> Path:
        """Write :meth:`document` to ``path`` atomically."""
        atomic_write_json(path, self.document())
        return Path(path)

    @classmethod
    def load(cls, path: Path, *, fix: str | None = None) -> Self:
        """Read and check ``path`` (see the module docstring); ``fix`` overrides :attr:`FIX`."""
        fix = fix or cls.FIX
        return cls.parse(read_json(path, what=Path(path).name, fix=fix), where=str(path), fix=fix)

    @classmethod
    def parse(cls, data: Any, *, where: str, fix: str | None = None) -> Self:
        """Check already-read content ``data`` of the file ``where``."""
        fix = fix or cls.FIX
        if not isinstance(data, dict):
            raise InputError(f"not a {cls.WHAT}: a JSON object expected, found {type(data).__name__}", where=where,
                             fix=fix)
        fields = dict(data)
        version = cls.version_of(fields.pop("schema", None), where=where, fix=fix)
        try:
            return cls.model_validate(cls.upgrade(fields, version) if version != cls.VERSION else fields)
        except ValidationError as exc:
            raise _field_error(exc, where, fix) from None

    @classmethod
    def version_of(cls, schema: Any, *, where: str, fix: str) -> int:
        """The version a ``schema`` value names (None: 1); another schema or a newer version is refused."""
        if schema is None:
            return 1
        match = _SCHEMA.match(schema) if isinstance(schema, str) else None
        if match is None or match["name"] != cls.SCHEMA:
            raise InputError(f"not a {cls.WHAT}: its schema is {schema!r}, not {cls.SCHEMA}/<version>", where=where,
                             fix=fix)
        version = int(match["version"])
        if not 1 <= version <= cls.VERSION:
            raise InputError(f"{cls.WHAT} of schema version {version}, which this AlphaForge does not read (it reads "
                             f"{cls.SCHEMA} up to version {cls.VERSION})", where=where,
                             fix=f"{fix}; or read it with the AlphaForge version that wrote it")
        return version

    @classmethod
    def upgrade(cls, fields: dict[str, Any], version: int) -> dict[str, Any]:
        """The fields of an older ``version`` in the current shape (owners whose shape changed override)."""
        return fields


def _field_error(exc: ValidationError, where: str, fix: str) -> InputError:
    """The first problem pydantic found, as a person reads it: which field of which file, what is wrong."""
    what = Path(where).name
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return InputError(f"{what} records no {field}", where=where, fix=fix)
    if first["type"] == "extra_forbidden":
        return InputError(f"{what} has an unknown field {field!r}", where=where, fix=fix)
    message = first["msg"].removeprefix("Value error, ")
    if not field:  # a rule over the whole document
        return InputError(f"{what} {message}", where=where, fix=fix)
    shown = repr(first.get("input"))
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return InputError(f"{what}: bad {field} {shown} ({message})", where=where, fix=fix)
