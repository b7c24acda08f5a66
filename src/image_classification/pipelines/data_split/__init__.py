"""Stable, stratified train/validation/test split of the clean images."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
