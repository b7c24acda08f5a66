"""Wiring of the retraining pipeline's own nodes: the data compared with the
champion's, the promotion and its record. The registry runs them after every stage of
`__default__`."""

from kedro.pipeline import Node, Pipeline

from image_classification.retraining.decision import decide_promotion

from .nodes import (
    crown_champion,
    profile_training_data,
    record_retraining_run,
    report_data_drift,
    score_champion,
    start_retraining_run,
    summarize_retraining_runs,
)
from .report import build_retraining_report, tabulate_data_drift


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        _data_drift_nodes() + _promotion_nodes() + _record_nodes(),
        namespace="retraining",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )


def _data_drift_nodes() -> list[Node]:
    """Today's data profiled and compared with the champion's."""
    return [
        Node(
            func=start_retraining_run,
            inputs=None,
            outputs="retraining_run",
            name="start_retraining_run_node",
        ),
        Node(
            func=profile_training_data,
            inputs=["image_index", "split_manifest"],
            outputs="data_profile",
            name="profile_training_data_node",
        ),
        Node(
            func=report_data_drift,
            inputs=["current_champion", "data_profile", "params:retraining"],
            outputs="data_drift",
            name="report_data_drift_node",
        ),
        Node(
            func=tabulate_data_drift,
            inputs="data_drift",
            outputs="data_drift_table",
            name="tabulate_data_drift_node",
        ),
    ]


def _promotion_nodes() -> list[Node]:
    """The champion scored on today's test split, the decision and the crown."""
    return [
        Node(
            func=score_champion,
            inputs=[
                "current_champion",
                "image_pack",
                "split_manifest",
                "data_profile",
                "params:diagnostics",
            ],
            outputs="champion_score",
            name="score_champion_node",
        ),
        Node(
            func=decide_promotion,
            inputs=[
                "retraining_run",
                "training_metrics",
                "diagnosis",
                "champion_score",
                "params:retraining",
            ],
            outputs="promotion_decision",
            name="decide_promotion_node",
        ),
        Node(
            func=crown_champion,
            inputs=[
                "model",
                "class_names",
                "training_image_size",
                "data_profile",
                "current_champion",
                "promotion_decision",
            ],
            outputs=["champion", "champion_record"],
            name="crown_champion_node",
        ),
    ]


def _record_nodes() -> list[Node]:
    """The retraining page, this run's row and the run table."""
    return [
        Node(
            func=record_retraining_run,
            inputs=[
                "promotion_decision",
                "champion_record",
                "split_manifest",
                "data_drift",
            ],
            outputs="retraining_run_log",
            name="record_retraining_run_node",
        ),
        Node(
            func=build_retraining_report,
            inputs=[
                "promotion_decision",
                "data_drift",
                "data_drift_table",
                "current_champion",
                "data_profile",
            ],
            outputs=["data_drift_figure", "retraining_report"],
            name="build_retraining_report_node",
        ),
        Node(
            func=summarize_retraining_runs,
            inputs="retraining_run_log",
            outputs=["retraining_runs", "champion_history"],
            name="summarize_retraining_runs_node",
        ),
    ]
