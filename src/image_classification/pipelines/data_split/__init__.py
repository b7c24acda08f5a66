"""Stable train/validation/test split of clean images by a hash per duplicate group."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
