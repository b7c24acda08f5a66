"""A figure saved as a PNG and read back as that PNG's bytes."""

from __future__ import annotations

from kedro.io.core import get_filepath_str
from kedro_datasets.matplotlib import MatplotlibDataset


class FigureDataset(MatplotlibDataset):
    """kedro-datasets' ``MatplotlibDataset`` (which cannot load), loading the PNG it
    saved: a report embeds the figure the run saved instead of drawing it again, so
    the page and the file show the same picture and a report node needs no data the
    figure was drawn from."""

    def load(self) -> bytes:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="rb") as png:
            return png.read()
