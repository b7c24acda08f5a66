"""Wiring of the leakage_audit pipeline (`kedro run --pipelines leakage_audit`, after a
full run: it reads the pack, the split manifest and the test predictions)."""

from kedro.pipeline import Node, Pipeline

from .nodes import find_cross_split_twins, plot_twin_pairs, summarize_leakage


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=find_cross_split_twins,
                inputs=["image_pack", "split_manifest", "params:leakage_audit"],
                outputs="cross_split_twins",
                name="find_cross_split_twins_node",
            ),
            Node(
                func=summarize_leakage,
                inputs=["cross_split_twins", "test_predictions", "split_manifest"],
                outputs="leakage_report",
                name="summarize_leakage_node",
            ),
            Node(
                func=plot_twin_pairs,
                inputs=["cross_split_twins", "image_pack"],
                outputs="cross_split_twin_grid",
                name="plot_twin_pairs_node",
            ),
        ],
        namespace="leakage_audit",
        prefix_datasets_with_namespace=False,
    )
