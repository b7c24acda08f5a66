"""Prediction classifies every file of any layout, or lists it with validation's reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kedro.io.core import DatasetError, Version
from PIL import Image

from image_classification.core.decoding import decode_file
from image_classification.core.errors import InputError
from image_classification.core.params.predict import PredictParams
from image_classification.core.serving import build_serving_model
from image_classification.datasets import Champion, ChampionDataset, ImageFolderDataset
from image_classification.datasets.prediction_model import (
    PredictionModel,
    PredictionModelDataset,
)
from image_classification.datasets.serving_model import ServingModelDataset
from image_classification.pipelines.predict import nodes
from image_classification.pipelines.predict.nodes import predict_images
from tests.conftest import base_parameters, ordinary_image, small_model, validation_params

CLASSES = ["ant", "bee", "cat", "dog"]


def _model(seed: int = 0):
    return small_model(16, len(CLASSES), weight_seed=seed)


def _params(**overrides) -> PredictParams:
    return PredictParams(**base_parameters("predict") | overrides)


@pytest.fixture
def folder(tmp_path):
    """Images at several depths and sizes, one in the root, and files that cannot be
    classified."""
    rng = np.random.default_rng(1)
    root = tmp_path / "incoming"
    for relative, side in [("a.png", 16), ("x/b.jpg", 40), ("x/y/z/c.png", 23)]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        ordinary_image(rng, side).save(root / relative)
    (root / "x" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    (root / "notes.txt").write_text("not an image")
    (root / "empty_folder").mkdir()
    return root


def test_every_file_is_classified_or_listed_with_its_reason(folder):
    model = _model()
    serving = build_serving_model(model, CLASSES)
    listing = ImageFolderDataset(path=str(folder)).load()

    table = predict_images(
        listing, PredictionModel(serving, "v1"), _params(top_k=3), validation_params()
    ).set_index("relative_path")

    assert sorted(table.index) == [
        "a.png",
        "notes.txt",
        "x/b.jpg",
        "x/broken.jpg",
        "x/y/z/c.png",
    ]
    classified = table[table["status"] == "classified"]
    assert sorted(classified.index) == ["a.png", "x/b.jpg", "x/y/z/c.png"]
    assert table.loc["x/broken.jpg", "reason"] == "truncated"
    assert table.loc["notes.txt", "reason"] == "unsupported_extension"
    assert table.loc["x/broken.jpg", ["class_1", "probability_1"]].isna().all()
    assert (table["model_version"] == "v1").all()
    # The validation decoder's pixels at the trained size, through the training model.
    for relative in classified.index:
        pixels = decode_file(str(folder / relative), (16, 16))
        expected = model.predict(pixels[None].astype("float32") / 255.0, verbose=0)[0]
        order = np.argsort(-expected, kind="stable")[:3]
        row = table.loc[relative]
        assert [row[f"class_{k}"] for k in (1, 2, 3)] == [CLASSES[i] for i in order]
        np.testing.assert_allclose(
            [row[f"probability_{k}"] for k in (1, 2, 3)], expected[order], atol=1e-6
        )


def test_an_empty_folder_is_one_clear_error(tmp_path):
    (tmp_path / "only_a_folder").mkdir()
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    serving = build_serving_model(_model(), CLASSES)
    with pytest.raises(InputError, match="holds no file: check predict_dir"):
        predict_images(
            listing, PredictionModel(serving, "v1"), _params(), validation_params()
        )


def test_no_folder_given_names_the_setting():
    dataset = ImageFolderDataset(path=None, setting="predict_dir")
    with pytest.raises(DatasetError, match="no image folder given: set `predict_dir`"):
        dataset.load()


def _save_serving(root, version: str, seed: int):
    serving = build_serving_model(_model(seed), CLASSES)
    ServingModelDataset(filepath=str(root), version=Version(None, version)).save(serving)
    return serving


def test_model_is_the_champion_else_the_newest_or_the_named_version(tmp_path):
    serving_root, champion_root = tmp_path / "serving_model", tmp_path / "champion"
    older = _save_serving(serving_root, "2026-01-01T00.00.00.000Z", seed=1)
    newer = _save_serving(serving_root, "2026-02-01T00.00.00.000Z", seed=2)
    image = np.asarray(Image.new("RGB", (16, 16), (90, 30, 200)))[None]

    def loaded(version=None) -> PredictionModel:
        return PredictionModelDataset(
            champion={"path": str(champion_root)},
            serving_model={"filepath": str(serving_root)},
            version=Version(version, None),
        ).load()

    def same(model: PredictionModel, expected) -> bool:
        return np.allclose(
            model.serving.model.predict(image, verbose=0),
            expected.model.predict(image, verbose=0),
            atol=1e-6,
        )

    no_champion = loaded()
    assert no_champion.version == "2026-02-01T00.00.00.000Z"
    assert same(no_champion, newer)
    champion_model = _model(3)
    record = {"champion_id": "run-7", "class_names": CLASSES}
    ChampionDataset(path=str(champion_root)).save(Champion(champion_model, record))
    champion = loaded()
    assert champion.version == "champion run-7"
    assert champion.serving.class_names == CLASSES
    expected = champion_model.predict(image.astype("float32") / 255.0, verbose=0)
    np.testing.assert_allclose(
        champion.serving.model.predict(image, verbose=0), expected, atol=1e-6
    )
    named = loaded("2026-01-01T00.00.00.000Z")
    assert named.version == "2026-01-01T00.00.00.000Z"
    assert same(named, older)
    with pytest.raises(DatasetError, match="no serving model version 2025"):
        loaded("2025-01-01T00.00.00.000Z")


def test_a_folder_in_a_bucket_is_classified_as_the_same_folder_on_disk(
    bucket, object_storage, folder
):
    object_storage.upload(folder, f"{bucket}/incoming")
    serving = build_serving_model(_model(), CLASSES)
    model = PredictionModel(serving, "v1")

    def table(path: str):
        listing = ImageFolderDataset(path=path).load()
        result = predict_images(listing, model, _params(), validation_params())
        return result.drop(columns="path").set_index("relative_path")

    remote, local = table(f"{bucket}/incoming"), table(str(folder))

    pd.testing.assert_frame_equal(remote, local)
    assert (remote["status"] == "classified").sum() == 3


def test_a_folder_larger_than_the_pixel_budget_is_classified_in_groups_alike(
    folder, monkeypatch
):
    serving = build_serving_model(_model(), CLASSES)
    model = PredictionModel(serving, "v1")
    listing = ImageFolderDataset(path=str(folder)).load()
    whole = predict_images(listing, model, _params(batch_size=1), validation_params())
    # Two images' pixels at a time: five files in three groups.
    monkeypatch.setattr(nodes, "_PIXEL_BYTES", 2 * 16 * 16 * 3)
    grouped = predict_images(listing, model, _params(batch_size=1), validation_params())
    pd.testing.assert_frame_equal(grouped, whole)
