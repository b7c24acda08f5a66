"""Wiring of the training pipeline."""

from kedro.pipeline import Node, Pipeline

from .nodes import evaluate_model, plan_training, serve_model, train_model


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=plan_training,
                inputs=[
                    "split_manifest",
                    "class_names",
                    "params:training",
                    "params:seed",
                ],
                outputs="training_plan",
                name="plan_training_node",
            ),
            Node(
                func=train_model,
                inputs=[
                    "train_dataset",
                    "train_sample_dataset",
                    "validation_dataset",
                    "training_plan",
                    "params:training",
                ],
                outputs=["model", "training_history"],
                name="train_model_node",
            ),
            Node(
                func=evaluate_model,
                inputs=[
                    "model",
                    "training_history",
                    "validation_dataset",
                    "test_dataset",
                    "class_names",
                    "params:training",
                ],
                outputs="training_metrics",
                name="evaluate_model_node",
            ),
            Node(
                func=serve_model,
                inputs=["model", "class_names", "training_image_size"],
                outputs="serving_model",
                name="build_serving_model_node",
            ),
        ],
        tags="training",  # kedro run --tags training: retrain on the saved split
        namespace="training",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )
