"""AlphaForge: raw market data to a tuned, validated, backtested trading model in one command."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("alphaforge")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
