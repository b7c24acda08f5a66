"""Wiring of the diagnostics pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    advise_next_steps,
    diagnose_fit,
    judge_training,
    per_class_metrics,
    plot_confident_mistakes,
    plot_confusion_matrix,
    plot_learning_curves,
    predict_test_split,
    summarize_leakage,
)
from .report import build_report, gather_report_figures, summarize_data


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        _evaluation_nodes() + _report_nodes(),
        tags="report",  # kedro run --tags report: redraw from saved results
        namespace="diagnostics",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )


def _evaluation_nodes() -> list[Node]:
    """The verdict, the test split's predictions and the leakage they show."""
    return [
        Node(
            func=judge_training,
            inputs=[
                "training_history",
                "training_metrics",
                "split_report",
                "batch_class_mix",
                "params:diagnostics",
            ],
            outputs="fit_judgement",
            name="judge_training_node",
        ),
        Node(
            func=advise_next_steps,
            inputs=[
                "fit_judgement",
                "training_metrics",
                "split_report",
                "params:training",
                "params:augmentation",
            ],
            outputs="fit_advice",
            name="advise_next_steps_node",
        ),
        Node(
            func=diagnose_fit,
            inputs=["fit_judgement", "fit_advice", "validation_report", "leakage_report"],
            outputs="diagnosis",
            name="diagnose_fit_node",
        ),
        Node(
            func=plot_learning_curves,
            inputs=["training_history", "diagnosis"],
            outputs="learning_curves",
            name="plot_learning_curves_node",
        ),
        Node(
            func=predict_test_split,
            inputs=["model", "image_pack", "split_manifest", "params:diagnostics"],
            outputs="test_predictions",
            name="predict_test_split_node",
        ),
        Node(
            func=summarize_leakage,
            inputs=[
                "cross_split_twins",
                "twin_search_scope",
                "test_predictions",
                "split_manifest",
            ],
            outputs="leakage_report",
            name="summarize_leakage_node",
        ),
    ]


def _report_nodes() -> list[Node]:
    """Per-class metrics, the figures and the HTML report."""
    return [
        Node(
            func=per_class_metrics,
            inputs=["test_predictions", "class_names"],
            outputs="per_class_metrics",
            name="per_class_metrics_node",
        ),
        Node(
            func=plot_confusion_matrix,
            inputs=["test_predictions", "class_names", "per_class_metrics"],
            outputs="confusion_matrix",
            name="plot_confusion_matrix_node",
        ),
        Node(
            func=plot_confident_mistakes,
            inputs=[
                "test_predictions",
                "split_manifest",
                "class_names",
                "params:diagnostics",
            ],
            outputs="confident_mistakes",
            name="plot_confident_mistakes_node",
        ),
        Node(
            func=summarize_data,
            inputs=["validation_report", "split_report"],
            outputs="data_summary",
            name="summarize_data_node",
        ),
        Node(
            func=gather_report_figures,
            inputs=[
                "learning_curves",
                "confusion_matrix",
                "confident_mistakes",
                "cross_split_twin_grid",
            ],
            outputs="report_figures",
            name="gather_report_figures_node",
        ),
        Node(
            func=build_report,
            inputs=[
                "diagnosis",
                "training_metrics",
                "per_class_metrics",
                "data_summary",
                "report_figures",
                "parameters",
            ],
            outputs="run_report",
            name="build_report_node",
        ),
    ]
