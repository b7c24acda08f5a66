"""Every parameter of the project, checked at once before a run writes anything.

Kedro checks a typed parameter only when a node of the run asks for it, and ignores a
key no node reads: ``trainng.max_epochs=2`` used to train 80 epochs without a word.
Here each top-level key must be a known group, each group its own model (which
refuses unknown nested keys), and a refusal reads as the setting, the value and the
fix in words, not as pydantic's error codes.
"""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from image_classification.core.errors import InputError

from .augmentation import AugmentationParams
from .data_split import DataSplitParams
from .data_validation import DataValidationParams
from .diagnostics import DiagnosticsParams
from .image_sizing import ImageSizeSetting, ImageSizingParams
from .label_audit import LabelAuditParams
from .leakage_audit import LeakageAuditParams
from .packing import PackingParams
from .predict import PredictParams
from .retraining import RetrainingParams
from .same_photo import SamePhotoParams
from .training import TrainingParams


class ProjectParams(BaseModel):
    """The parameters of `conf/*/parameters*.yml` with the `--params` of the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(
        strict=True,
        description="seeds the split, shuffling, augmentation, weight initialization "
        "and dropout",
    )
    image_size: ImageSizeSetting = Field(
        description="the height and width every image is decoded, packed and trained "
        "at; auto: the images' median short side up to "
        "image_sizing.max_side, square"
    )
    image_sizing: ImageSizingParams
    same_photo: SamePhotoParams
    augmentation: AugmentationParams
    data_split: DataSplitParams
    data_validation: DataValidationParams
    diagnostics: DiagnosticsParams
    label_audit: LabelAuditParams
    leakage_audit: LeakageAuditParams
    packing: PackingParams
    predict: PredictParams
    retraining: RetrainingParams
    training: TrainingParams
    # Settings that the catalog reads from `--params` (conf/base/catalog.yml).
    raw_image_dir: str | None = Field(
        default=None, description="the image folder, from --params (the catalog reads it)"
    )
    labels_file: str | None = Field(
        default=None,
        description="a CSV of file,label, from --params (the catalog reads it)",
    )
    predict_dir: str | None = Field(
        default=None,
        description="the folder the predict pipeline classifies, from --params",
    )


def checked_parameters(parameters: dict) -> ProjectParams:
    """The parameters as typed models.

    Raises:
        InputError: The first setting that is unknown or out of range, in words, with
            the number of other faults found.
    """
    try:
        return ProjectParams.model_validate(parameters)
    except ValidationError as error:
        faults = error.errors(include_url=False)
        more = len({_setting(fault) for fault in faults}) - 1
        also = f" ({more} more after it)" if more else ""
        raise InputError(_in_words(faults[0]) + also) from None


def _setting(fault: dict) -> str:
    return ".".join(str(part) for part in fault["loc"] if not _is_type_tag(part))


def _in_words(fault: dict) -> str:
    setting = _setting(fault)
    where = f"in conf/base/parameters*.yml or with --params {setting}=VALUE"
    if fault["type"] == "extra_forbidden":
        known = _known_keys(fault["loc"][:-1])
        close = difflib.get_close_matches(str(fault["loc"][-1]), known, n=1)
        parent = "".join(f"{part}." for part in fault["loc"][:-1])
        hint = f"did you mean {parent}{close[0]}? " if close else ""
        return f"{setting} is not a parameter of this project: {hint}remove or rename it"
    if fault["type"] == "missing":
        return f"{setting} is missing: set it {where}"
    reason = (
        fault["msg"]
        .replace("Input should be", "must be")
        .replace("Value error, ", "")
        .replace(" after validation", "")
    )
    reason = reason[0].lower() + reason[1:]
    return f"{setting} is {fault['input']!r}, but {reason}: set it {where}"


def _is_type_tag(part: object) -> bool:
    """pydantic names the alternative of a union it tried (``tuple[...]``,
    ``literal['auto']``) inside the location: not part of the setting's name."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _known_keys(location: tuple) -> list[str]:
    model: type[BaseModel] = ProjectParams
    for part in location:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
