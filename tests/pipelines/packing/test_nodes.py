"""packing: every image inspection decoded, in the listing's order, nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd

from image_classification.core.image_pack import DecodedPixels
from image_classification.core.params.packing import PackingParams
from image_classification.pipelines.packing.nodes import pack_images


def _inspected(statuses: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "relative_path": [f"c/{i}.png" for i in range(len(statuses))],
            "pixel_hash": [f"h{i}" for i in range(len(statuses))],
            "status": statuses,
        }
    )


def test_the_pack_holds_the_decoded_files_in_order_in_shards():
    inspected = _inspected(["ok", "quarantined", "ok", "ok", "ok"])
    decoded = {
        path: np.full((4, 6, 3), i, np.uint8)
        for i, path in enumerate(inspected["relative_path"])
        if inspected.loc[i, "status"] == "ok"
    }
    image_pack = pack_images(
        inspected, DecodedPixels(by_path=decoded), PackingParams(shard_size=3)
    )
    assert list(image_pack.index["relative_path"]) == list(decoded)
    assert list(image_pack.index["pixel_hash"]) == ["h0", "h2", "h3", "h4"]
    images = image_pack.select(image_pack.index)[np.arange(4)]
    assert images.shape == (4, 4, 6, 3)
    assert list(images[:, 0, 0, 0]) == [0, 2, 3, 4]


def test_nothing_decoded_packs_an_empty_pack():
    image_pack = pack_images(
        _inspected(["quarantined"]), DecodedPixels(), PackingParams(shard_size=3)
    )
    assert image_pack.index.empty
