"""Kedro datasets this project needs and kedro-datasets lacks."""

from .champion import Champion, ChampionDataset
from .image_folder import ImageFolderDataset
from .image_pack import ImagePackDataset
from .labels_file import LabelsFileDataset

__all__ = [
    "Champion",
    "ChampionDataset",
    "ImageFolderDataset",
    "ImagePackDataset",
    "LabelsFileDataset",
]
