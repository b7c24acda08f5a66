"""Learning curves, confusion matrix and a plain-words verdict on the fit."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
