"""Kedro datasets this project needs and kedro-datasets lacks."""

from .image_folder import ImageFolderDataset

__all__ = ["ImageFolderDataset"]
