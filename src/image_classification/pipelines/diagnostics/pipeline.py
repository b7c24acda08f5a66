"""Wiring of the diagnostics pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    diagnose_fit,
    plot_confusion_matrix,
    plot_learning_curves,
    predict_test_split,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=plot_learning_curves,
                inputs=["training_history", "training_metrics"],
                outputs="learning_curves",
                name="plot_learning_curves_node",
            ),
            Node(
                func=predict_test_split,
                inputs=["model", "split_manifest", "params:diagnostics"],
                outputs="test_predictions",
                name="predict_test_split_node",
            ),
            Node(
                func=plot_confusion_matrix,
                inputs=["test_predictions", "class_names"],
                outputs="confusion_matrix",
                name="plot_confusion_matrix_node",
            ),
            Node(
                func=diagnose_fit,
                inputs=[
                    "training_history",
                    "training_metrics",
                    "validation_report",
                    "params:diagnostics",
                ],
                outputs="diagnosis",
                name="diagnose_fit_node",
            ),
        ]
    )
