"""The kedro-viz table preview of a DataFrame, as the project's datasets give it."""

from __future__ import annotations

import pandas as pd
from kedro_datasets._typing import TablePreview


def table_preview(frame: pd.DataFrame) -> TablePreview:
    """``frame`` in the split layout kedro-viz draws as a table."""
    return TablePreview(
        {
            "index": list(frame.index),
            "columns": list(frame.columns),
            "data": frame.values.tolist(),
        }
    )
