"""The newest version of a versioned CSV table written by another pipeline, or an
empty table before that pipeline first ran: an optional input, read only."""

from __future__ import annotations

import pandas as pd
from kedro.io.core import DatasetError, VersionNotFoundError
from kedro_datasets.pandas import CSVDataset


class LatestTableDataset(CSVDataset):
    """kedro-datasets' ``CSVDataset``, loading an empty table where no version exists
    yet (the parent raises), and refusing to save (another pipeline owns the file)."""

    def load(self) -> pd.DataFrame:
        try:
            return super().load()
        except VersionNotFoundError:
            return pd.DataFrame()

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{self._filepath} is written by another pipeline, not here")
