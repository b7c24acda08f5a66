"""Typed parameters of the training pipeline."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_Filters = Annotated[int, Field(ge=1, le=1024)]
# keras.applications models offered as backbones, by their Keras name.
Backbone = Literal[
    "MobileNetV3Small", "MobileNetV3Large", "EfficientNetB0", "EfficientNetB1"
]


class TrainingParams(BaseModel):
    """`training` in `conf/base/parameters_training.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def fine_tunes(self) -> bool:
        """Whether training has a second phase: a backbone, part of it unfrozen."""
        return self.backbone != "small_cnn" and self.fine_tune_layers > 0

    backbone: Literal["small_cnn"] | Backbone = Field(
        description="small_cnn (trained from scratch) or a keras.applications model "
        "under a new dropout + softmax head, its own preprocessing inside;"
        " backbones want image_size 96-224"
    )
    backbone_weights: str | None = Field(
        description="imagenet (Keras downloads them once: needs internet), a "
        ".weights.h5 file of the backbone (backbone.save_weights), or null"
        " (random)"
    )
    frozen_epochs: int = Field(
        ge=0, description="epochs training only the new head on a frozen backbone"
    )
    fine_tune_layers: int = Field(
        ge=0,
        description="then the backbone's top layers trained too (batch normalization "
        "stays frozen); 0: it stays frozen",
    )
    fine_tune_learning_rate_factor: float = Field(
        gt=0,
        le=1,
        description="learning_rate times this while fine-tuning: a lower rate keeps "
        "the pretrained features",
    )
    conv_filters: list[_Filters] = Field(
        min_length=1,
        max_length=6,
        description="small_cnn's conv + max-pool blocks for 32x32 images, one per "
        "entry: [24, 48, 96] reached more in five CPU minutes than [32, "
        "64, 128] or [16, 32, 64]",
    )
    deepen_with_image: bool = Field(
        description="one more block per doubling of the side beyond 32 pixels, twice "
        "the filters each, so the last map stays about 4x4 and the dense "
        "layer does not grow with the pixels"
    )
    kernel_size: int = Field(ge=1, le=7, description="side of every convolution's kernel")
    dense_units: int = Field(
        ge=1, le=4096, description="units of the dense layer before the softmax"
    )
    dropout: float = Field(
        ge=0,
        lt=1,
        description="dropout before the dense layers, where a small CNN memorizes first",
    )
    l2: float = Field(
        ge=0,
        le=1,
        description="L2 on every kernel; 0: off (dropout, augmentation and early "
        "stopping already regularize); raise it when the diagnosis says "
        "overfitting",
    )
    batch_norm: bool = Field(
        description="batch normalization after each convolution: off, on a CPU it cost"
        " a quarter of the images/s and reached no more per second"
    )
    center_images: bool = Field(
        description="small_cnn: subtract each image's mean colour before the first "
        "convolution (inside the saved model), so tint and lighting need "
        "not be learned away first"
    )
    class_weight: Literal["balanced", "none"] = Field(
        description="balanced: each class's mistakes weigh by its rarity in training "
        "(scikit-learn's); none: every image alike (on clothing-small "
        "balanced moved recall between classes more than it raised the "
        "mean)"
    )
    learning_rate: float = Field(gt=0, le=1, description="Adam's learning rate")
    learning_rate_schedule: Literal["constant", "cosine", "plateau"] = Field(
        description="constant; cosine (to zero over max_epochs); plateau: times "
        "plateau_factor after plateau_patience_batches without a better "
        "validation cross-entropy, so the decay follows the data"
    )
    plateau_patience_batches: int = Field(
        ge=1,
        description="training batches (rounded up to whole epochs) without improvement"
        " before the rate is cut: counted in batches, since a small "
        "dataset gets few per epoch",
    )
    plateau_factor: float = Field(
        gt=0, lt=1, description="what the plateau schedule multiplies the rate by"
    )
    max_epochs: int = Field(ge=1, description="the most epochs a training runs")
    patience: int = Field(
        ge=0,
        description="epochs without a better validation cross-entropy before early "
        "stopping (which restores the best epoch's weights)",
    )
    mixed_precision: bool = Field(
        description="float16 compute: speeds up a GPU, slows a CPU down"
    )
    jit_compile: bool = Field(
        description="XLA compilation: speeds up a GPU, slows a CPU down"
    )
    deterministic: bool = Field(
        description="TensorFlow op determinism: the weights repeat bit for bit (seeds "
        "alone fix the split, initial weights and augmentation); slower"
    )
    checkpoint_dir: str = Field(
        min_length=1,
        description="epoch checkpoints: a run interrupted after epoch k resumes from "
        "epoch k when started again with the same data and parameters",
    )
    verbose: int = Field(
        ge=0,
        le=2,
        description="Keras progress: 0 silent, 1 progress bar, 2 one line per epoch",
    )
