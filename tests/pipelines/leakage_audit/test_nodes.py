"""Cross-split twins on generated photos: copies transformed as real twins are found,
different photos of the same kind are not, and the pairs are drawn side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image, ImageEnhance

from image_classification.core.image_pack import pack
from image_classification.core.params.leakage_audit import LeakageAuditParams
from image_classification.figures import twin_pairs_figure
from image_classification.pipelines.leakage_audit.nodes import find_cross_split_twins
from tests.conftest import base_parameters, ordinary_image

TRANSFORMS = {
    "crop": lambda im: im.crop((3, 5, 28, 30)).resize((32, 32), Image.Resampling.BILINEAR),
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "recolour": lambda im: ImageEnhance.Brightness(
        ImageEnhance.Color(im).enhance(0.6)
    ).enhance(1.25),
    "rotate": lambda im: im.rotate(8, resample=Image.Resampling.BILINEAR),
}


@pytest.fixture(scope="module")
def planted():
    """60 training photos, 20 other photos in validation/test, and a transformed copy of
    each of four training photos in the test split."""
    rng = np.random.default_rng(7)
    photos = [ordinary_image(rng) for _ in range(80)]
    rows, pixels = [], {}
    for number, photo in enumerate(photos):
        split = "train" if number < 60 else ("validation" if number % 2 else "test")
        rows.append((f"c{number % 3}/{number:03d}.png", split, f"c{number % 3}"))
        pixels[rows[-1][0]] = np.asarray(photo)
    for number, (name, transform) in enumerate(TRANSFORMS.items()):
        source = rows[number * 7]
        path = f"{source[2]}/copy-{name}.png"
        rows.append((path, "test", source[2]))
        pixels[path] = np.asarray(transform(Image.fromarray(pixels[source[0]])))
    manifest = pd.DataFrame(rows, columns=["relative_path", "split", "label"]).assign(
        pixel_hash=lambda frame: [f"h{i}" for i in range(len(frame))]
    )
    image_pack = pack(manifest, pixels, shard_size=32, image_shape=(32, 32, 3))
    sources = {
        f"{rows[n * 7][2]}/copy-{name}.png": rows[n * 7][0]
        for n, name in enumerate(TRANSFORMS)
    }
    return image_pack, manifest, sources


def _params() -> LeakageAuditParams:
    return LeakageAuditParams(**base_parameters("leakage_audit"))


def test_transformed_copies_are_found_and_other_photos_are_not(planted):
    image_pack, manifest, sources = planted
    twins = find_cross_split_twins(image_pack, manifest, _params())
    found = dict(zip(twins["relative_path"], twins["train_relative_path"], strict=True))
    assert found == sources
    assert (twins["split"] == "test").all()
    assert twins.loc[twins["relative_path"].str.contains("mirror"), "mirrored"].all()
    assert list(twins["edge_score"]) == sorted(twins["edge_score"], reverse=True)


def test_the_grid_shows_each_pair(planted):
    image_pack, manifest, _ = planted
    twins = find_cross_split_twins(image_pack, manifest, _params())
    figure = twin_pairs_figure(twins, image_pack)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 2 * len(twins)
    titles = [axis.get_title() for axis in figure.axes]
    assert any("copy-crop.png" in title for title in titles)


def test_a_split_without_validation_or_test_images_has_no_twins(planted):
    image_pack, manifest, _ = planted
    only_train = manifest.assign(split="train")
    twins = find_cross_split_twins(image_pack, only_train, _params())
    assert twins.empty
    assert "train_relative_path" in twins.columns
