"""A JSON report checked against its contract (``core.contracts``) when it is saved and
when it is loaded."""

from __future__ import annotations

from typing import Any

from kedro.io.core import DatasetError
from kedro_datasets.json import JSONDataset
from pydantic import BaseModel, ValidationError

from image_classification.core import contracts


class ReportDataset(JSONDataset):
    """kedro-datasets' ``JSONDataset`` (versions, fsspec paths, ``save_args``) whose
    data must fit the model named by ``contract``. Nodes hand and receive plain JSON
    values, so the file keeps its shape; a report that does not fit fails here, naming
    the file and the fields."""

    def __init__(self, *, contract: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        model = getattr(contracts, contract, None)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise DatasetError(f"{contract!r} is not a contract of core.contracts")
        self._contract = model

    def _checked(self, data: Any) -> dict:
        try:
            return self._contract.model_validate(data).model_dump(mode="json")
        except ValidationError as error:
            raise DatasetError(
                f"{self._filepath} does not fit {self._contract.__name__}: {error}"
            ) from error

    def load(self) -> dict:
        return self._checked(super().load())

    def save(self, data: dict) -> None:
        super().save(self._checked(data))
