"""Wiring of the augmentation pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_datasets,
    build_train_sample_dataset,
    measure_batch_class_mix,
    preview_augmentation,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=build_datasets,
                inputs=[
                    "image_pack",
                    "split_manifest",
                    "params:augmentation",
                    "params:seed",
                ],
                outputs=["train_dataset", "validation_dataset", "test_dataset"],
                name="build_datasets_node",
                tags="training",  # the input pipelines training needs
            ),
            Node(
                func=measure_batch_class_mix,
                inputs=[
                    "train_dataset",
                    "split_manifest",
                    "params:augmentation",
                    "params:seed",
                ],
                outputs="batch_class_mix",
                name="measure_batch_class_mix_node",
                tags="training",
            ),
            Node(
                func=build_train_sample_dataset,
                inputs=[
                    "image_pack",
                    "split_manifest",
                    "params:augmentation",
                    "params:seed",
                ],
                outputs="train_sample_dataset",
                name="build_train_sample_dataset_node",
                tags="training",
            ),
            Node(
                func=preview_augmentation,
                inputs=[
                    "image_pack",
                    "split_manifest",
                    "class_names",
                    "params:augmentation",
                    "params:seed",
                ],
                outputs="augmentation_preview",
                name="preview_augmentation_node",
            ),
        ],
        namespace="augmentation",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )
