"""The serving model stands alone: a process with only TensorFlow loads each format
and gives the pipeline's probabilities on images of any size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from kedro.io.core import Version

from image_classification.core.serving import build_serving_model, serving_image_fit
from image_classification.datasets import ServingModelDataset
from tests.conftest import small_model

CLASS_NAMES = ["cat", "dog", "ship"]
SIZES = [(16, 16), (40, 24), (9, 70), (16, 16)]

# Run in a fresh interpreter: TensorFlow and Keras, no project code (asserted).
_LOAD_WITHOUT_PROJECT = """
import json, sys
import numpy as np, keras, tensorflow as tf
folder, images_file = sys.argv[1], sys.argv[2]
images = np.load(images_file)
keras_model = keras.models.load_model(f"{folder}/classifier.keras")
saved = tf.saved_model.load(f"{folder}/saved_model")
out = {
    "keras": [keras_model.predict(images[k][None], verbose=0)[0].tolist() for k in images],
    "saved_model": [saved.serve(tf.constant(images[k][None])).numpy()[0].tolist()
                    for k in images],
    "class_names": [name.decode() for name in saved.class_names().numpy()],
    "project_imported": any(n.startswith("image_classification") for n in sys.modules),
}
print(json.dumps(out))
"""


def _trained_like_model():
    return small_model(16, len(CLASS_NAMES), weight_seed=3)


def _images() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (*size, 3), dtype=np.uint8) for size in SIZES]


def test_serving_model_gives_the_training_model_probabilities_at_its_size():
    model = _trained_like_model()
    serving = build_serving_model(model, CLASS_NAMES)
    image = _images()[0][None]
    expected = model.predict(image.astype("float32") / 255.0, verbose=0)
    np.testing.assert_allclose(serving.model.predict(image, verbose=0), expected, atol=1e-6)
    assert serving.class_names == CLASS_NAMES


def test_a_serving_model_fits_other_shapes_as_validation_did():
    """A 16x40 image: cropped to its centre 16x16, or padded to 40x40 and shrunk, as
    ``resized_pixels`` does with ``fit`` crop and pad; predict reads the fit back."""
    model = _trained_like_model()
    wide = np.random.default_rng(1).integers(0, 256, (1, 16, 40, 3), dtype=np.uint8)
    cropped = build_serving_model(model, CLASS_NAMES, fit="crop")
    assert serving_image_fit(cropped) == "crop"
    centre = wide[:, :, 12:28].astype("float32") / 255.0
    np.testing.assert_allclose(
        cropped.model.predict(wide, verbose=0),
        model.predict(centre, verbose=0),
        atol=1e-5,
    )
    padded = build_serving_model(model, CLASS_NAMES, fit="pad")
    assert serving_image_fit(padded) == "pad"
    squashed = build_serving_model(model, CLASS_NAMES)
    assert serving_image_fit(squashed) == "squash"
    assert not np.allclose(
        padded.model.predict(wide, verbose=0), squashed.model.predict(wide, verbose=0)
    )


def test_each_format_loads_without_project_code(tmp_path: Path):
    serving = build_serving_model(_trained_like_model(), CLASS_NAMES)
    dataset = ServingModelDataset(
        filepath=str(tmp_path / "serving_model"), version=Version(None, None)
    )
    dataset.save(serving)
    folder = next(tmp_path.glob("serving_model/*/serving_model"))
    images = _images()
    np.savez(tmp_path / "images.npz", *images)
    expected = [serving.model.predict(image[None], verbose=0)[0] for image in images]

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _LOAD_WITHOUT_PROJECT,
            str(folder),
            str(tmp_path / "images.npz"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])

    assert not loaded["project_imported"]
    assert loaded["class_names"] == CLASS_NAMES
    assert json.loads((folder / "class_names.json").read_text()) == CLASS_NAMES
    for name in ("keras", "saved_model"):
        np.testing.assert_allclose(loaded[name], expected, atol=1e-4, err_msg=name)
    # Mixed sizes reached the model as different pictures, not as one resized blur.
    assert np.ptp(np.asarray(expected), axis=0).max() > 0.01


def test_saved_version_loads_back_and_a_partial_folder_is_no_version(tmp_path: Path):
    serving = build_serving_model(_trained_like_model(), CLASS_NAMES)
    root = tmp_path / "serving_model"
    ServingModelDataset(
        filepath=str(root), version=Version(None, "2026-01-01T00.00.00.000Z")
    ).save(serving)
    # A later version whose save was cut short: no class_names.json.
    cut = root / "2026-02-01T00.00.00.000Z" / "serving_model"
    cut.mkdir(parents=True)
    (cut / "classifier.keras").write_bytes(b"partial")

    loaded = ServingModelDataset(filepath=str(root), version=Version(None, None)).load()

    assert loaded.class_names == CLASS_NAMES
    image = _images()[1][None]
    np.testing.assert_allclose(
        loaded.model.predict(image, verbose=0),
        serving.model.predict(image, verbose=0),
        atol=1e-6,
    )
