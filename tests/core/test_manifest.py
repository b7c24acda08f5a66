"""The data fingerprint: the same images, labels and splits give the same one, in any
row order; any change of them gives another."""

from __future__ import annotations

import pandas as pd

from image_classification.core.manifest import data_fingerprint, manifest_fingerprint

MANIFEST = pd.DataFrame(
    {
        "relative_path": ["a/1.png", "a/2.png", "b/1.png"],
        "pixel_hash": ["h1", "h2", "h3"],
        "label_index": [0, 0, 1],
        "split": ["train", "test", "validation"],
        "label": ["a", "a", "b"],
    }
)


def test_the_order_of_the_rows_does_not_matter():
    shuffled = MANIFEST.iloc[[2, 0, 1]]
    assert manifest_fingerprint(shuffled) == manifest_fingerprint(MANIFEST)
    assert data_fingerprint(MANIFEST) == manifest_fingerprint(MANIFEST)[:16]


def test_pixels_labels_and_splits_each_change_it():
    before = manifest_fingerprint(MANIFEST)
    for column, value in [("pixel_hash", "h9"), ("label_index", 1), ("split", "train")]:
        changed = MANIFEST.copy()
        changed.loc[1, column] = value
        assert manifest_fingerprint(changed) != before, column
