"""Wiring of the data_split pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import assign_splits, report_split


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=assign_splits,
                inputs=[
                    "clean_image_index",
                    "class_names",
                    "params:data_split",
                    "params:seed",
                    "audited_cross_split_twins",
                ],
                outputs="split_manifest",
                name="assign_splits_node",
            ),
            Node(
                func=report_split,
                inputs=["split_manifest", "class_names", "params:data_split"],
                outputs="split_report",
                name="report_split_node",
            ),
        ],
        namespace="data_split",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )
