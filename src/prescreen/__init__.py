"""prescreen: a batch pre-screener for clinical trials on OMOP CDM registry extracts."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("prescreen")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
