"""Wiring of the predict pipeline: `kedro run --pipeline predict --params predict_dir=P`."""

from kedro.pipeline import Node, Pipeline

from .nodes import predict_images


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=predict_images,
                inputs=[
                    "images_to_predict",
                    "prediction_model",
                    "params:predict",
                    "params:data_validation",
                ],
                outputs="predictions",
                name="predict_images_node",
            ),
        ],
        namespace="predict",  # a group that kedro-viz can collapse
        prefix_datasets_with_namespace=False,
    )
