"""Wiring of the packing pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import pack_images


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=pack_images,
                inputs=["inspected_images", "decoded_pixels", "params:packing"],
                outputs="image_pack",
                name="pack_images_node",
            ),
        ],
        namespace="packing",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )
