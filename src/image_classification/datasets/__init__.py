"""Kedro datasets this project needs and kedro-datasets lacks.

``KerasModelDataset`` is imported when first named (Kedro's catalog asks for it by
name): its parent imports TensorFlow, which a validation worker or a listing of the
catalog should not pay for.
"""

from .champion import Champion, ChampionDataset
from .image_folder import ImageFolderDataset
from .image_pack import ImagePackDataset
from .labels_file import LabelsFileDataset
from .serving_model import ServingModel, ServingModelDataset

__all__ = [
    "Champion",
    "ChampionDataset",
    "ImageFolderDataset",
    "ImagePackDataset",
    "KerasModelDataset",
    "LabelsFileDataset",
    "ServingModel",
    "ServingModelDataset",
]


def __getattr__(name: str):
    if name == "KerasModelDataset":
        from .keras_model import KerasModelDataset  # noqa: PLC0415

        return KerasModelDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
