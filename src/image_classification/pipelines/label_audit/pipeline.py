"""Wiring of the label_audit pipeline (run with `kedro run --pipeline label_audit`)."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    assign_audit_folds,
    plot_label_suspects,
    predict_out_of_fold,
    rank_label_issues,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=assign_audit_folds,
                inputs=["split_manifest", "params:label_audit", "params:seed"],
                outputs="audit_folds",
                name="assign_audit_folds_node",
            ),
            Node(
                func=predict_out_of_fold,
                inputs=[
                    "image_pack",
                    "audit_folds",
                    "class_names",
                    "params:label_audit",
                    "params:training",
                    "params:augmentation",
                ],
                outputs="out_of_fold_probabilities",
                name="predict_out_of_fold_node",
            ),
            Node(
                func=rank_label_issues,
                inputs=["out_of_fold_probabilities", "class_names", "params:label_audit"],
                outputs="label_suspects",
                name="rank_label_issues_node",
            ),
            Node(
                func=plot_label_suspects,
                inputs=["label_suspects", "split_manifest", "params:label_audit"],
                outputs="label_suspects_grid",
                name="plot_label_suspects_node",
            ),
        ],
        namespace="label_audit",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )
