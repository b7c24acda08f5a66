"""Decode every raw file once, quarantine what cannot be trained on, report the rest."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
