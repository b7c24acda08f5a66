"""Kedro project that trains image classifiers which generalize."""

__version__ = "0.1.0"
