"""The image pack in memory: images by position across shards, and selections that
refuse rows of another run."""

from __future__ import annotations

import pandas as pd
import pytest

from image_classification.core.errors import InputError
from tests.datasets.test_image_pack import _index, _numbers, _pack


def test_positions_across_shards_come_back_in_the_order_asked():
    images = _pack().images
    assert _numbers(images[[10, 0, 4, 3, 5]]) == [10, 0, 4, 3, 5]
    with pytest.raises(IndexError):
        images[[11]]


def test_a_selection_follows_the_rows_and_checks_their_pixel_hashes():
    image_pack = _pack()
    rows = _index().iloc[[9, 2, 5]]
    selection = image_pack.select(rows)
    assert len(selection) == 3
    assert _numbers(selection[[2, 0, 1]]) == [5, 9, 2]
    with pytest.raises(InputError, match="not in the image pack"):
        image_pack.select(
            pd.DataFrame({"relative_path": ["c/99.png"], "pixel_hash": ["x"]})
        )
    with pytest.raises(InputError, match="have other pixels in the pack"):
        image_pack.select(rows.assign(pixel_hash="changed"))
