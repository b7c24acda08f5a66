"""Kedro datasets this project needs and kedro-datasets lacks.

``KerasModelDataset``, ``ServingModelDataset`` and ``PredictionModelDataset`` are
imported when first named (Kedro's catalog asks for them by name): they import
TensorFlow, which a validation worker or a listing of the catalog should not pay for;
``FigureDataset`` likewise imports matplotlib's pyplot.
"""

from .champion import Champion, ChampionDataset
from .image_folder import ImageFolderDataset
from .image_pack import ImagePackDataset
from .labels_file import LabelsFileDataset
from .latest_table import LatestTableDataset
from .report import ReportDataset

__all__ = [
    "Champion",
    "ChampionDataset",
    "FigureDataset",
    "ImageFolderDataset",
    "ImagePackDataset",
    "KerasModelDataset",
    "LabelsFileDataset",
    "LatestTableDataset",
    "PredictionModelDataset",
    "ReportDataset",
    "ServingModelDataset",
]


def __getattr__(name: str):
    if name == "FigureDataset":
        from .figure import FigureDataset  # noqa: PLC0415

        return FigureDataset
    if name == "KerasModelDataset":
        from .keras_model import KerasModelDataset  # noqa: PLC0415

        return KerasModelDataset
    if name == "PredictionModelDataset":
        from .prediction_model import PredictionModelDataset  # noqa: PLC0415

        return PredictionModelDataset
    if name == "ServingModelDataset":
        from .serving_model import ServingModelDataset  # noqa: PLC0415

        return ServingModelDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
