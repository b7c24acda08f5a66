"""Suspected mislabels by confident learning on out-of-fold predictions."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
