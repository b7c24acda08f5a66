"""Train the small regularized CNN and measure it."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
