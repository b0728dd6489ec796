"""The installed package's version (``pyproject.toml`` is its one source), importable from any layer
without loading the front door."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("alphaforge")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
