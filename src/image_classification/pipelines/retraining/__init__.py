"""Scheduled retraining: every stage, then promote the new model only when it beats
the one in use (champion/challenger)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
