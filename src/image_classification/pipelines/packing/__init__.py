"""Packing: the pixels validation decoded, written once per run for every later stage."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
