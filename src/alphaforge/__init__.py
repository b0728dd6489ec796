"""AlphaForge: raw market data to a tuned, validated, backtested trading model in one command."""

from alphaforge._version import __version__

__all__ = ["__version__"]
