"""Records of files already checked in full, so a later read can check less without trusting blindly.

``data/raw/<dataset>/<version>/verified.json`` (:class:`VerifiedParquet`): the sha256 of a raw
data file's footer and of each of its row groups' bytes, taken in the same pass that found the
whole file equal to its manifest's sha256. A read of some row groups hashes the footer and the
groups it reads and compares them here (:mod:`alphaforge.data.rawfile`). It also keeps small
values derived from that verified data (``summaries``), computed once per file version.

``stages/.verified.json`` (:class:`VerifiedOutputs`): each stage output's sha256 with the size
and modification time it had when hashed, so a cache hit need not hash a file that was not
written since; ``stages/.code_versions.json`` (:class:`CodeVersions`): each stage's code version
with the size and time of every source file it was computed from (:mod:`alphaforge.stages`).

Both are caches: a damaged, missing or stale record only costs a full check, which writes it anew.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from alphaforge.artifacts._base import Artifact, Part

CACHE_FIX = "delete it: the next read checks the files in full and writes it again"


class ByteRange(Part):
    """``length`` bytes of a file from ``offset``, and their sha256."""

    offset: int
    length: int
    sha256: str


class VerifiedParquet(Artifact):
    """A raw data file's parts, hashed when the whole file matched ``file_sha256`` (see the module docstring)."""

    SCHEMA: ClassVar[str] = "alphaforge.verified_parquet"
    WHAT: ClassVar[str] = "raw data verification record"
    FIX: ClassVar[str] = CACHE_FIX

    file_sha256: str
    size: int
    footer: ByteRange
    row_groups: list[ByteRange]
    summaries: dict[str, Any] = Field(default_factory=dict)


class FileStamp(Part):
    """A file's sha256 and the size and modification time (ns) it had when hashed."""

    sha256: str
    size: int
    mtime_ns: int


class VerifiedOutputs(Artifact):
    """Stage outputs by path (relative to the workspace) with their stamps (see the module docstring)."""

    SCHEMA: ClassVar[str] = "alphaforge.verified_outputs"
    WHAT: ClassVar[str] = "stage output verification record"
    FIX: ClassVar[str] = CACHE_FIX

    files: dict[str, FileStamp]


class SourceStamp(Part):
    """A source file's size and modification time (ns)."""

    size: int
    mtime_ns: int


class CodeVersion(Part):
    """One code version and the files it was computed from, by path."""

    code: str
    files: dict[str, SourceStamp]


class CodeVersions(Artifact):
    """Code versions by the stage seeds they are of (see the module docstring)."""

    SCHEMA: ClassVar[str] = "alphaforge.code_versions"
    WHAT: ClassVar[str] = "stage code version record"
    FIX: ClassVar[str] = CACHE_FIX

    versions: dict[str, CodeVersion]
