"""Leakage audit: the same photo on both sides of the split, and what it does to the
test score."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
