"""Predict: classify every image under a folder with a trained model."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
