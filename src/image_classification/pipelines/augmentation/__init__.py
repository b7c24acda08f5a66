"""tf.data input pipelines built from the split manifest, augmented on whole batches."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
