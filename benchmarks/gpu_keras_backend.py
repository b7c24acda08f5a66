"""Our model on a GPU through any Keras 3 backend: mixed precision and XLA off and on.

`gpu.sh` needs TensorFlow's CUDA build (several GB of wheels). A GPU machine that has
only JAX or PyTorch with CUDA can still answer the question that matters for the
`training.mixed_precision` and `training.jit_compile` parameters: how much faster does
this small CNN train with them. This script trains the project's own `make_model`
(architecture from `conf/base/parameters_training.yml`) on an image folder, with the
configured augmentation as Keras layers in front of it (on JAX they run inside the
compiled step; the tf.data pipeline needs TensorFlow). Images stay uint8 until the
batch is on the device.

Per setting: training images/s (median epoch after the first, validation included),
the first epoch's seconds (compilation), the best validation accuracy and when it was
reached. Without XLA the steps run op by op, so those settings train only
``--eager-epochs``.

    KERAS_BACKEND=jax python benchmarks/gpu_keras_backend.py --folder PATH [--epochs 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np
import yaml
from PIL import Image
from sklearn.model_selection import train_test_split

PROJECT = Path(__file__).resolve().parents[1]
# The project's Kedro-free core imports Keras, never TensorFlow: it runs on any backend.
sys.path.insert(0, str(PROJECT / "src"))
from image_classification.core.model import make_model  # noqa: E402

SETTINGS = {  # name: (mixed precision, XLA)
    "float32, XLA": (False, True),
    "mixed float16, XLA": (True, True),
    "float32, no XLA": (False, False),
    "mixed float16, no XLA": (True, False),
}


def parameters(stage: str) -> dict:
    path = PROJECT / f"conf/base/parameters_{stage}.yml"
    return yaml.safe_load(path.read_text())[stage]


def load_folder(folder: Path, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images and class indices of a ``<class>/<file>`` folder."""
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    images, labels = [], []
    for index, name in enumerate(classes):
        for path in sorted((folder / name).iterdir()):
            with Image.open(path) as image:
                images.append(np.asarray(image.convert("RGB").resize(size[::-1])))
            labels.append(index)
    return np.stack(images), np.array(labels)


def augmenting_classifier(
    classifier: keras.Model, shape: tuple[int, ...], layers: dict
) -> keras.Model:
    """Rescale uint8 batches and apply the configured random transforms (training only)."""
    steps = [keras.Input(shape, dtype="uint8"), keras.layers.Rescaling(1 / 255)]
    if layers["flip"]:
        steps.append(keras.layers.RandomFlip(layers["flip"], seed=0))
    if layers["rotation_degrees"]:
        steps.append(
            keras.layers.RandomRotation(
                layers["rotation_degrees"] / 360, fill_mode="reflect", seed=1
            )
        )
    if layers["translation_fraction"]:
        fraction = layers["translation_fraction"]
        steps.append(
            keras.layers.RandomTranslation(fraction, fraction, fill_mode="reflect", seed=2)
        )
    for layer in steps[1:]:
        # Keras marks rotation and translation unfit for XLA because TensorFlow's
        # kernel is; JAX's and PyTorch's versions compile.
        layer.supports_jit = keras.backend.backend() != "tensorflow"
    return keras.Sequential([*steps, classifier])


class EpochClock(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.ends: list[float] = []
        self.accuracy: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        self.ends.append(time.perf_counter() - self.start)
        self.accuracy.append(logs["val_accuracy"])


def run(setting: str, data: tuple, epochs: int) -> dict:
    mixed, xla = SETTINGS[setting]
    training, augmentation = parameters("training"), parameters("augmentation")
    train_x, train_y, val_x, val_y = data
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy("mixed_float16" if mixed else "float32")
    classifier = make_model(
        input_shape=train_x.shape[1:],
        num_classes=int(train_y.max()) + 1,
        conv_filters=training["conv_filters"],
        kernel_size=training["kernel_size"],
        dense_units=training["dense_units"],
        dropout=training["dropout"],
        l2=training["l2"],
        batch_norm=training["batch_norm"],
        center_images=training["center_images"],
    )
    model = augmenting_classifier(classifier, train_x.shape[1:], augmentation["layers"])
    keras.config.set_dtype_policy("float32")
    model.compile(
        optimizer=keras.optimizers.Adam(training["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=xla,
    )
    clock = EpochClock()
    model.fit(
        train_x,
        train_y,
        batch_size=augmentation["batch_size"],
        epochs=epochs,
        validation_data=(val_x, val_y),
        callbacks=[clock],
        verbose=0,
    )
    seconds = np.diff([0.0, *clock.ends])
    best = int(np.argmax(clock.accuracy))
    steady = statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]
    return {
        "images_per_s": len(train_x) / steady,
        "first_epoch_s": seconds[0],
        "epochs": epochs,
        "best_accuracy": clock.accuracy[best],
        "best_at_s": clock.ends[best],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=30, help="with XLA")
    parser.add_argument("--eager-epochs", type=int, default=3, help="without XLA")
    parser.add_argument("--side", type=int, default=32, help="training image side")
    args = parser.parse_args()
    size = (args.side, args.side)
    images, labels = load_folder(args.folder, size)
    train_x, val_x, train_y, val_y = train_test_split(
        images, labels, test_size=0.2, stratify=labels, random_state=0
    )
    data = (train_x, train_y, val_x, val_y)
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
    print(f"{len(train_x)} training and {len(val_x)} validation images of {args.folder}")
    results = {}
    for setting, (_, xla) in SETTINGS.items():
        results[setting] = run(setting, data, args.epochs if xla else args.eager_epochs)
        r = results[setting]
        print(
            f"{setting:22s} {r['images_per_s']:8.0f} images/s, first epoch "
            f"{r['first_epoch_s']:5.1f} s, best validation accuracy "
            f"{r['best_accuracy']:.3f} at {r['best_at_s']:5.1f} s of {r['epochs']} epochs",
            flush=True,
        )
    base = results["float32, no XLA"]["images_per_s"]
    for setting, r in results.items():
        ratio = r["images_per_s"] / base
        print(f"images/s vs float32 without XLA: {setting:22s} {ratio:5.2f}x")


if __name__ == "__main__":
    main()
