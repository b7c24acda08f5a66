"""The model a prediction run uses: the champion, else the newest serving model, or
the serving model version named with ``--load-versions prediction_model:VERSION``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kedro.io import AbstractDataset, DatasetError
from kedro.io.core import Version

from image_classification.core.errors import InputError
from image_classification.core.serving import ServingModel

from .champion import ChampionDataset
from .serving_model import ServingModelDataset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictionModel:
    """A serving model and which one it is: ``champion <id>`` or a version."""

    serving: ServingModel
    version: str


class PredictionModelDataset(AbstractDataset[None, PredictionModel]):
    """Reads the champion (``champion``: the ``ChampionDataset`` arguments) unless a
    version is named; otherwise, or before the first promotion, the serving model
    (``serving_model``: its ``filepath``) of that version or the newest one. Read only:
    the pipelines that train write the models. The paths are nested under the
    dataset's own ``path``/``filepath`` keys so that Kedro makes them absolute.
    """

    def __init__(
        self,
        *,
        champion: dict[str, str],
        serving_model: dict[str, str],
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._champion_path = champion["path"]
        self._serving_model_path = serving_model["filepath"]
        self._load_version = version.load if version else None
        self.metadata = metadata

    def load(self) -> PredictionModel:
        if self._load_version is None:
            champion = ChampionDataset(path=self._champion_path).load()
            if champion is not None and "class_names" in champion.record:
                return self._champion_model(champion)
            if champion is not None:
                logger.warning(
                    "the champion %s was promoted before champions kept their class "
                    "names: predicting with the newest serving model instead",
                    champion.record["champion_id"],
                )
        serving = ServingModelDataset(
            filepath=self._serving_model_path, version=Version(self._load_version, None)
        )
        try:
            version = serving.resolve_load_version()
            model = serving.load()
        except DatasetError as error:
            named = f"version {self._load_version} " if self._load_version else ""
            raise InputError(
                f"no serving model {named}under {self._serving_model_path}: train one "
                "first (kedro run), or name an existing version with --load-versions "
                "prediction_model:VERSION"
            ) from error
        return PredictionModel(serving=model, version=str(version))

    @staticmethod
    def _champion_model(champion) -> PredictionModel:
        return PredictionModel(
            serving=champion.serving_model(),
            version=f"champion {champion.record['champion_id']}",
        )

    def save(self, data: None) -> None:
        raise DatasetError("the prediction model is read only: training writes models")

    def _describe(self) -> dict[str, Any]:
        return {
            "champion_path": self._champion_path,
            "serving_model_path": self._serving_model_path,
            "load_version": self._load_version,
        }
