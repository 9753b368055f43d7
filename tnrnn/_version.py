"""The package version (a leaf module: the CLI and benchmark reports read it without importing tnrnn)."""

__version__ = "0.1.0"
