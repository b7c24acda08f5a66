"""Packing: the pixels validation decoded, written once per run beside their split."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
