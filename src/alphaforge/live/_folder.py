"""A folder of CSV/Parquet bar files the user (or another program) fills, read like `data import`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandas as pd

from alphaforge.data.importers import SUPPORTED_SUFFIXES, ImportOptions, import_path
from alphaforge.live._feed import Feed, FeedBatch


class FolderFeed(Feed):
    """Every file in ``folder`` read and validated by the importer on each poll (a file may be
    rewritten with more rows, or a new file added); the prediction dataset keeps only the bars it
    has not stored yet. An empty or missing folder is a poll without bars, not an error: the
    files may come later."""

    name: ClassVar[str] = "folder"

    def __init__(self, folder: Path, options: ImportOptions | None = None) -> None:
        self.folder = Path(folder)
        self.options = options or ImportOptions()

    def fetch(self, last: dict[str, pd.Timestamp], *, warmup: int) -> FeedBatch:
        files = [p for p in self.folder.iterdir() if p.name.lower().endswith(SUPPORTED_SUFFIXES)] \
            if self.folder.is_dir() else []
        if not files:
            return FeedBatch(pd.DataFrame(), [f"no bar files in {self.folder} yet"])
        frame, report = import_path(self.folder, self.options)
        return FeedBatch(frame, list(report.notices))
