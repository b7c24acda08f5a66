"""Wiring of the data_validation pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_image_index,
    plot_class_samples,
    resolve_class_names,
    select_clean_images,
    summarize_validation,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=resolve_class_names,
                inputs=["raw_images", "params:data_validation"],
                outputs="class_names",
                name="resolve_class_names_node",
            ),
            Node(
                func=build_image_index,
                inputs=["raw_images", "class_names", "params:data_validation"],
                outputs="image_index",
                name="build_image_index_node",
            ),
            Node(
                func=summarize_validation,
                inputs=["image_index", "class_names", "params:data_validation"],
                outputs=["quarantine", "validation_report", "validation_limits"],
                name="summarize_validation_node",
            ),
            Node(
                func=select_clean_images,
                inputs=["image_index", "validation_limits"],
                outputs="clean_image_index",
                name="select_clean_images_node",
            ),
            Node(
                func=plot_class_samples,
                inputs=[
                    "clean_image_index",
                    "class_names",
                    "params:data_validation",
                    "params:seed",
                ],
                outputs="class_sample_grid",
                name="plot_class_samples_node",
            ),
        ]
    )
