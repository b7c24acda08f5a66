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
        description="small_cnn (trained from scratch) or a keras.applications model"
    )
    backbone_weights: str | None = Field(
        description="imagenet (downloaded once by Keras), a local .weights.h5 file of "
        "the backbone, or null (random)"
    )
    frozen_epochs: int = Field(
        ge=0, description="epochs training only the new head on a frozen backbone"
    )
    fine_tune_layers: int = Field(
        ge=0, description="top backbone layers trained after the frozen phase; 0: none"
    )
    fine_tune_learning_rate_factor: float = Field(
        gt=0, le=1, description="learning_rate times this while fine-tuning"
    )
    conv_filters: list[_Filters] = Field(
        min_length=1, max_length=6, description="one entry per conv block"
    )
    deepen_with_image: bool = Field(
        description="small_cnn: one more conv block per doubling of the image side "
        "beyond 32 pixels"
    )
    kernel_size: int = Field(ge=1, le=7)
    dense_units: int = Field(ge=1, le=4096)
    dropout: float = Field(ge=0, lt=1)
    l2: float = Field(ge=0, le=1)
    batch_norm: bool = Field(description="batch normalization after each convolution")
    center_images: bool = Field(
        description="small_cnn: subtract each image's mean colour before the first "
        "convolution"
    )
    class_weight: Literal["balanced", "none"] = Field(
        description="balanced: each class's mistakes weigh by its rarity in training "
        "(scikit-learn's balanced class weights)"
    )
    learning_rate: float = Field(gt=0, le=1)
    learning_rate_schedule: Literal["constant", "cosine", "plateau"] = Field(
        description="cosine decays the rate to zero over max_epochs; plateau multiplies "
        "it by plateau_factor after plateau_patience_batches without a better "
        "validation cross-entropy"
    )
    plateau_patience_batches: int = Field(
        ge=1, description="training batches, rounded up to whole epochs"
    )
    plateau_factor: float = Field(gt=0, lt=1)
    max_epochs: int = Field(ge=1)
    patience: int = Field(ge=0)
    mixed_precision: bool = Field(description="float16 compute: for GPUs, slow on CPU")
    jit_compile: bool = Field(description="XLA compilation: for GPUs")
    deterministic: bool = Field(
        description="TensorFlow op determinism: same weights on every run, slower"
    )
    checkpoint_dir: str = Field(
        min_length=1, description="where an interrupted training resumes from"
    )
    verbose: int = Field(ge=0, le=2, description="Keras fit progress output")
