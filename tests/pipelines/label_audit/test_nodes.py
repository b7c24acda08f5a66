"""label_audit: out-of-fold probabilities from the project's model, cleanlab's ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.label_audit import LabelAuditParams
from image_classification.core.params.training import TrainingParams
from image_classification.pipelines.label_audit import nodes
from image_classification.pipelines.label_audit.nodes import (
    assign_audit_folds,
    plot_label_suspects,
    predict_out_of_fold,
    rank_label_issues,
)
from tests.conftest import TINY_CLASSES, base_parameters

AUDIT = LabelAuditParams(
    **base_parameters("label_audit")
    | {"folds": 2, "epochs": 1, "max_label_quality": 1.0}
    | {
        "model": {
            "conv_filters": [4],
            "dense_units": 4,
            "dropout": None,
            "batch_norm": True,
            "learning_rate": None,
            "learning_rate_schedule": "cosine",
        }
    }
)


def test_folds_are_stratified_and_seeded(tiny_manifest):
    folds = assign_audit_folds(tiny_manifest, AUDIT, seed=3)
    assert set(folds["fold"]) == set(range(1, AUDIT.folds + 1))
    per_class = pd.crosstab(folds["label_index"], folds["fold"])
    assert (per_class.max(axis=1) - per_class.min(axis=1)).max() <= 1
    assert (folds["fold_seed"] == 3 + folds["fold"]).all()
    pd.testing.assert_frame_equal(folds, assign_audit_folds(tiny_manifest, AUDIT, 3))
    assert not folds.equals(assign_audit_folds(tiny_manifest, AUDIT, 4))


def test_every_image_gets_probabilities_from_a_model_that_did_not_see_it(
    tiny_pack, tiny_manifest, monkeypatch
):
    training = TrainingParams(
        **base_parameters("training")
        | {"conv_filters": [4], "dense_units": 4, "verbose": 0}
    )
    augmentation = AugmentationParams(
        **base_parameters("augmentation") | {"batch_size": 16}
    )
    folds = assign_audit_folds(tiny_manifest, AUDIT, seed=0)
    fitted_on = []
    original = nodes._fold_model

    def recording(images, labels, **kwargs):
        fitted_on.append(set(labels.index))
        return original(images, labels, **kwargs)

    monkeypatch.setattr(nodes, "_fold_model", recording)
    result = predict_out_of_fold(
        tiny_pack, folds, list(TINY_CLASSES), AUDIT, training, augmentation
    )
    for fold, rows in zip(sorted(folds["fold"].unique()), fitted_on, strict=True):
        assert rows == set(folds.index[folds["fold"] != fold])
    assert list(result["relative_path"]) == list(tiny_manifest["relative_path"])
    probabilities = result[[f"p_{name}" for name in TINY_CLASSES]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    again = predict_out_of_fold(
        tiny_pack, folds, list(TINY_CLASSES), AUDIT, training, augmentation
    )
    pd.testing.assert_frame_equal(result, again)


def _confident_probabilities(labels, predicted):
    probabilities = np.full((len(labels), 3), 0.02)
    probabilities[np.arange(len(labels)), predicted] = 0.96
    return pd.DataFrame(
        {
            "relative_path": [f"img{i}.jpg" for i in range(len(labels))],
            "label_index": labels,
            **{f"p_{name}": probabilities[:, i] for i, name in enumerate(TINY_CLASSES)},
        }
    )


def test_confidently_contradicted_labels_are_ranked_first():
    labels = np.repeat([0, 1, 2], 30)
    predicted = labels.copy()
    predicted[[3, 40, 70]] = [1, 2, 0]  # three images the model is sure are mislabeled
    suspects = rank_label_issues(
        _confident_probabilities(labels, predicted), list(TINY_CLASSES), AUDIT
    )
    assert set(suspects["relative_path"]) == {"img3.jpg", "img40.jpg", "img70.jpg"}
    first = suspects.set_index("relative_path").loc["img3.jpg"]
    assert (first["given_label"], first["suggested_label"]) == ("circle", "square")
    assert list(suspects["rank"]) == [1, 2, 3]
    assert (suspects["score"] < 0.1).all()


def test_agreeing_predictions_give_no_suspects():
    labels = np.repeat([0, 1, 2], 20)
    suspects = rank_label_issues(
        _confident_probabilities(labels, labels), list(TINY_CLASSES), AUDIT
    )
    assert suspects.empty


def test_suspects_grid_titles_show_given_and_suggested(tiny_manifest):
    suspects = pd.DataFrame(
        {
            "rank": [1, 2],
            "relative_path": tiny_manifest["relative_path"].iloc[:2],
            "given_label": ["circle", "square"],
            "suggested_label": ["square", "triangle"],
            "score": [0.01, 0.02],
        }
    )
    figure = plot_label_suspects(suspects, tiny_manifest, AUDIT)
    assert isinstance(figure, Figure)
    titles = [ax.get_title() for ax in figure.axes if ax.images]
    assert titles == ["circle -> square", "square -> triangle"]


def test_suspects_above_the_quality_bound_are_dropped():
    labels = np.repeat([0, 1, 2], 30)
    probabilities = _confident_probabilities(labels, labels)
    columns = [f"p_{name}" for name in TINY_CLASSES]
    # Both contradicted; image 5 keeps 3% on its label, image 6 only 0.1%.
    probabilities.loc[5, columns] = [0.03, 0.97, 0.0]
    probabilities.loc[6, columns] = [0.001, 0.999, 0.0]
    everything = rank_label_issues(probabilities, list(TINY_CLASSES), AUDIT)
    assert {"img5.jpg", "img6.jpg"} <= set(everything["relative_path"])
    strict = AUDIT.model_copy(update={"max_label_quality": 0.02})
    kept = rank_label_issues(probabilities, list(TINY_CLASSES), strict)
    assert set(kept["relative_path"]) == {"img6.jpg"}


def test_fold_models_use_the_label_audit_model_overrides(
    tiny_pack, tiny_manifest, monkeypatch
):
    built = []
    original = nodes.compiled_model

    def recording(params, **kwargs):
        built.append(params)
        return original(params, **kwargs)

    monkeypatch.setattr(nodes, "compiled_model", recording)
    training = TrainingParams(**base_parameters("training") | {"verbose": 0})
    augmentation = AugmentationParams(
        **base_parameters("augmentation") | {"batch_size": 16}
    )
    predict_out_of_fold(
        tiny_pack,
        assign_audit_folds(tiny_manifest, AUDIT, 0),
        list(TINY_CLASSES),
        AUDIT,
        training,
        augmentation,
    )
    assert len(built) == AUDIT.folds
    assert built[0].conv_filters == [4]
    assert built[0].dense_units == 4
    assert built[0].dropout == training.dropout  # null keeps the training value
    assert built[0].learning_rate == training.learning_rate
    assert built[0].batch_norm
    assert built[0].learning_rate_schedule == "cosine"
