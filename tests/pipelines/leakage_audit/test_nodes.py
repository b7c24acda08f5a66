"""Cross-split twins on generated images: copies transformed as real twins are found,
different images of the same kind are not (thumbnails, and look-alike photos of one
floor), and the pairs are drawn side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageEnhance

from image_classification.core.errors import InputError
from image_classification.core.image_pack import pack
from image_classification.core.inspection import DETAIL_SIDE, detail_thumbnail
from image_classification.core.params.leakage_audit import LeakageAuditParams
from image_classification.figures import twin_pairs_figure
from image_classification.pipelines.leakage_audit.nodes import find_cross_split_twins
from tests.conftest import base_parameters, ordinary_image, same_photo_params
from tests.look_alikes import floor_photo, look_alike


def _crop(image: Image.Image) -> Image.Image:
    width, height = image.size
    box = (width // 10, height // 6, width - width // 20, height - height // 20)
    return image.crop(box).resize(image.size, Image.Resampling.BILINEAR)


TRANSFORMS = {
    "crop": _crop,
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "recolour": lambda im: ImageEnhance.Brightness(
        ImageEnhance.Color(im).enhance(0.6)
    ).enhance(1.25),
    "rotate": lambda im: im.rotate(8, resample=Image.Resampling.BILINEAR),
}


def _audit_inputs(photos: list[Image.Image], copies_of: dict[str, int], stem: str = ""):
    """The manifest (first 60% of ``photos`` train, the rest validation/test, and a
    transformed copy of some training photos in test), the pack and the detail
    thumbnails validation would keep; file names start with ``stem``."""
    rows, images = [], {}
    trained = int(len(photos) * 0.6)
    for number, photo in enumerate(photos):
        split = "train" if number < trained else ("validation" if number % 2 else "test")
        rows.append((f"c{number % 3}/{stem}{number:03d}.png", split, f"c{number % 3}"))
        images[rows[-1][0]] = photo
    sources = {}
    for name, source in copies_of.items():
        path = f"{rows[source][2]}/copy-{name}.png"
        rows.append((path, "test", rows[source][2]))
        images[path] = TRANSFORMS[name](images[rows[source][0]])
        sources[path] = rows[source][0]
    manifest = pd.DataFrame(rows, columns=["relative_path", "split", "label"]).assign(
        pixel_hash=lambda frame: [f"h{i}" for i in range(len(frame))]
    )
    pixels = {
        path: np.asarray(image.resize((32, 32), Image.Resampling.BILINEAR))
        for path, image in images.items()
    }
    image_pack = pack(manifest, pixels, shard_size=32, image_shape=(32, 32, 3))
    thumbnails = pd.DataFrame(
        {
            "relative_path": list(images),
            "detail_thumbnail": [detail_thumbnail(image) for image in images.values()],
        }
    )
    return manifest, image_pack, thumbnails, sources


@pytest.fixture(scope="module")
def thumbnails():
    """80 ordinary 32x32 pictures and four transformed copies."""
    rng = np.random.default_rng(7)
    photos = [ordinary_image(rng) for _ in range(80)]
    copies = {name: number * 7 for number, name in enumerate(TRANSFORMS)}
    return _audit_inputs(photos, copies)


@pytest.fixture(scope="module")
def look_alike_photos():
    """40 photos of 160 pixels of different dark garments on one floor, and copies of
    four of the training photos."""
    rng = np.random.default_rng(11)
    floor = floor_photo(rng, 260)
    photos = [look_alike(floor, rng, 160) for _ in range(40)]
    copies = {name: number * 5 for number, name in enumerate(TRANSFORMS)}
    # Named as phones and datasets name photos: long, unreadable in full in a grid.
    return _audit_inputs(photos, copies, stem="0a1b2c3d-4e5f-6789-abcd-ef0123456789-")


def _params() -> LeakageAuditParams:
    return LeakageAuditParams(**base_parameters("leakage_audit"))


def test_transformed_copies_are_found_and_other_pictures_are_not(thumbnails):
    manifest, _, detail, sources = thumbnails
    twins, scope = find_cross_split_twins(detail, manifest, _params(), same_photo_params())
    found = dict(zip(twins["relative_path"], twins["train_relative_path"], strict=True))
    assert found == sources
    assert (twins["split"] == "test").all()
    assert twins.loc[twins["relative_path"].str.contains("mirror"), "mirrored"].all()
    assert list(twins["edge_score"]) == sorted(twins["edge_score"], reverse=True)
    # 32-pixel images have no finer detail: the audit says it compared none.
    assert twins["detail_score"].isna().all()
    assert scope["detail_resolution"] is None
    assert scope["thresholds"] == _params().model_dump() | same_photo_params().model_dump()


def test_look_alike_photos_are_not_twins_and_their_copies_are(look_alike_photos):
    manifest, _, detail, sources = look_alike_photos
    # Without the detail stage, the 32-pixel check takes many look-alikes for copies:
    # the test's photos are as hard as the real ones.
    coarse = detail.assign(
        detail_thumbnail=[
            Image.frombytes("L", (DETAIL_SIDE,) * 2, content).resize((32, 32)).tobytes()
            for content in detail["detail_thumbnail"]
        ]
    )
    coarse_twins, _ = find_cross_split_twins(
        coarse, manifest, _params(), same_photo_params()
    )
    assert (~coarse_twins["relative_path"].isin(sources)).sum() >= 3
    twins, scope = find_cross_split_twins(detail, manifest, _params(), same_photo_params())
    found = dict(zip(twins["relative_path"], twins["train_relative_path"], strict=True))
    assert found == sources
    assert scope["detail_resolution"] == f"{DETAIL_SIDE}x{DETAIL_SIDE}"
    # The index is trained on a fixed sample: the same inputs, the same table.
    again, _ = find_cross_split_twins(detail, manifest, _params(), same_photo_params())
    pd.testing.assert_frame_equal(twins, again)
    assert (twins["detail_score"] >= same_photo_params().min_detail_score).all()


def test_thumbnails_of_other_runs_are_refused_with_the_file_named(thumbnails):
    manifest, _, detail, _ = thumbnails
    with pytest.raises(InputError, match=r"c0/000\.png.*different runs"):
        find_cross_split_twins(detail.iloc[1:], manifest, _params(), same_photo_params())


def test_the_grid_shows_each_pair_with_names_that_fit(look_alike_photos):
    manifest, image_pack, detail, _ = look_alike_photos
    twins, _ = find_cross_split_twins(detail, manifest, _params(), same_photo_params())
    figure = twin_pairs_figure(twins, image_pack)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 2 * len(twins)
    renderer = FigureCanvasAgg(figure).get_renderer()
    titles = [axis.title.get_window_extent(renderer) for axis in figure.axes]
    for left, right in zip(titles[::2], titles[1::2], strict=True):
        assert left.x1 <= right.x0, "two names in one row overlap"
    heading = figure.texts[0].get_window_extent(renderer)
    assert heading.x0 >= 0
    assert heading.x1 <= figure.bbox.width
    assert "copy-crop.png" in " ".join(axis.get_title() for axis in figure.axes)
    assert "detail" in figure.axes[1].get_title()


def test_a_split_without_validation_or_test_images_has_no_twins(thumbnails):
    manifest, _, detail, _ = thumbnails
    only_train = manifest.assign(split="train")
    twins, scope = find_cross_split_twins(
        detail, only_train, _params(), same_photo_params()
    )
    assert twins.empty
    assert "train_relative_path" in twins.columns
    assert scope["validation_and_test_images"] == 0
