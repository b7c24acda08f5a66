"""Wiring of the data_validation pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    choose_image_size,
    find_near_duplicates,
    flag_images,
    inspect_images,
    keep_detail_thumbnails,
    resolve_class_names,
    select_clean_images,
    summarize_validation,
)
from .plots import plot_class_samples, plot_flag_examples


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        _inspection_nodes() + _finding_nodes(),
        tags="validation",  # kedro run --tags validation: the checks only
        namespace="data_validation",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )


def _inspection_nodes() -> list[Node]:
    """Classes, image size, every file decoded once, and the near-duplicate pairs."""
    return [
        Node(
            func=resolve_class_names,
            inputs=["raw_images", "image_labels", "params:data_validation"],
            outputs="class_names",
            name="resolve_class_names_node",
        ),
        Node(
            func=choose_image_size,
            inputs=[
                "raw_images",
                "class_names",
                "params:image_size",
                "params:image_sizing",
                "params:seed",
            ],
            outputs="training_image_size",
            name="choose_image_size_node",
        ),
        Node(
            func=inspect_images,
            inputs=[
                "raw_images",
                "class_names",
                "params:data_validation",
                "training_image_size",
            ],
            outputs=["inspected_images", "decoded_pixels"],
            name="inspect_images_node",
        ),
        Node(
            func=find_near_duplicates,
            inputs=[
                "inspected_images",
                "params:data_validation",
                "params:same_photo",
            ],
            outputs="near_duplicate_pairs",
            name="find_near_duplicates_node",
        ),
        Node(
            func=keep_detail_thumbnails,
            inputs="inspected_images",
            outputs="detail_thumbnails",
            name="keep_detail_thumbnails_node",
        ),
    ]


def _finding_nodes() -> list[Node]:
    """Flags, the quarantine and the report, the clean index, and the figures."""
    return [
        Node(
            func=flag_images,
            inputs=[
                "inspected_images",
                "near_duplicate_pairs",
                "image_labels",
                "params:data_validation",
            ],
            # The same findings go to Parquet and to CSV.
            outputs=["image_index", "validation_findings", "validation_findings_csv"],
            name="flag_images_node",
        ),
        Node(
            func=summarize_validation,
            inputs=[
                "image_index",
                "validation_findings",
                "class_names",
                "params:data_validation",
            ],
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
        Node(
            func=plot_flag_examples,
            inputs=["validation_findings", "image_index", "params:data_validation"],
            outputs="flag_examples",
            name="plot_flag_examples_node",
        ),
    ]
