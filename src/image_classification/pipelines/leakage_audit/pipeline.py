"""Wiring of the leakage_audit pipeline: validation and test images that are a training
image again. Part of every run; `kedro run --pipelines leakage_audit` audits the last
split again (other thresholds, say) from the saved thumbnails and manifest."""

from kedro.pipeline import Node, Pipeline

from image_classification.figures import twin_pairs_figure

from .nodes import find_cross_split_twins


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=find_cross_split_twins,
                inputs=[
                    "detail_thumbnails",
                    "split_manifest",
                    "params:leakage_audit",
                    "params:same_photo",
                ],
                outputs=["cross_split_twins", "twin_search_scope"],
                name="find_cross_split_twins_node",
            ),
            Node(
                func=twin_pairs_figure,
                inputs=["cross_split_twins", "image_pack"],
                outputs="cross_split_twin_grid",
                name="plot_twin_pairs_node",
            ),
        ],
        namespace="leakage_audit",
        prefix_datasets_with_namespace=False,
    )
