"""Kedro project that trains image classifiers which generalize."""

from image_classification.core.allocator import limit_malloc_arenas

__version__ = "0.1.0"

limit_malloc_arenas()  # before any thread of TensorFlow allocates: see core.allocator
