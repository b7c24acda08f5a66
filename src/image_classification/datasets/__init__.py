"""Kedro datasets this project needs and kedro-datasets lacks."""

from .image_folder import ImageFolderDataset
from .labels_file import LabelsFileDataset

__all__ = ["ImageFolderDataset", "LabelsFileDataset"]
