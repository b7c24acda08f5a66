"""What each run leaves in MLflow, beside what kedro-mlflow logs (the parameters).

kedro-mlflow opens an MLflow run around every Kedro run; these hooks fill it as the
outputs are saved: per-epoch and final metrics, the verdict and the data fingerprint
as tags, figures, the HTML report and JSON reports as artifacts, and, when a
retraining promotes its candidate, the model registered with the alias ``champion``
(``retraining.registry``).
Each Airflow task is a Kedro session of its own, so nothing is remembered between
saves: whether the champion needs registering is read from the registry itself.
Outside an MLflow run (nodes called from tests or a notebook) they do nothing.
"""

from __future__ import annotations

import mlflow
import pandas as pd
from kedro.framework.hooks import hook_impl
from matplotlib.figure import Figure
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from image_classification.core.manifest import data_fingerprint
from image_classification.retraining.registry import log_serving_model, register_champion

_JSON_REPORTS = {
    "diagnosis",
    "training_metrics",
    "validation_report",
    "split_report",
    "promotion_decision",
    "data_drift",
}


_PARAM_LIMIT = 6000  # MLflow's longest parameter value


def flat_parameters(parameters: dict, prefix: str = "") -> dict[str, str]:
    """Every parameter under its dotted name (``training.dropout``), typed groups as
    the plain values they were written as: one column each in ``mlflow ui``."""
    flat = {}
    for name, value in parameters.items():
        plain = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
        key = f"{prefix}{name}"
        if isinstance(plain, dict):
            flat |= flat_parameters(plain, f"{key}.")
        else:
            flat[key] = str(plain)[:_PARAM_LIMIT]
    return flat


def _epoch_metrics(history: pd.DataFrame, logged_steps: set[int]) -> list[Metric]:
    """The history's metrics of the epochs not in ``logged_steps``."""
    history = history[~history["epoch"].isin(logged_steps)]
    numeric = history.drop(columns="epoch").select_dtypes("number")
    return [
        Metric(key=column, value=float(value), timestamp=0, step=int(epoch))
        for epoch, row in zip(
            history["epoch"], numeric.itertuples(index=False), strict=True
        )
        for column, value in zip(numeric.columns, row, strict=True)
    ]


class MlflowReportHooks:
    """Log the run's results into the MLflow run kedro-mlflow opened."""

    def __init__(self) -> None:
        self._parameters_logged_in: str | None = None

    @hook_impl
    def before_node_run(self, node, catalog) -> None:
        """Log the parameters once per run, flat: kedro-mlflow logs typed parameter
        groups as one long text each."""
        run = mlflow.active_run()
        if run is None or self._parameters_logged_in == run.info.run_id:
            return
        mlflow.log_params(flat_parameters(catalog.load("parameters")))
        self._parameters_logged_in = run.info.run_id

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data, node) -> None:
        run = mlflow.active_run()
        if run is None:
            return
        if isinstance(data, Figure):
            mlflow.log_figure(data, f"{dataset_name}.png")
        elif dataset_name in {"run_report", "retraining_report"}:
            mlflow.log_text(data, f"{dataset_name}.html")
        elif dataset_name in _JSON_REPORTS:
            mlflow.log_dict(data, f"{dataset_name}.json")
        self._log_results(run.info.run_id, dataset_name, data)

    def _log_results(self, run_id: str, dataset_name: str, data) -> None:
        if dataset_name == "training_history":
            # Training logged each epoch as it ended (LiveMetrics): add the others.
            client = MlflowClient()
            logged = {m.step for m in client.get_metric_history(run_id, "val_crossentropy")}
            if missing := _epoch_metrics(data, logged):
                client.log_batch(run_id, metrics=missing)
        elif dataset_name == "training_metrics":
            mlflow.log_metrics(
                {
                    f"final_{key}": float(value)
                    for key, value in data.items()
                    if isinstance(value, int | float)
                }
            )
        elif dataset_name == "split_manifest":
            mlflow.set_tag("data_fingerprint", data_fingerprint(data))
        elif dataset_name == "diagnosis":
            mlflow.set_tag("verdict", data["verdict"])
        elif dataset_name == "promotion_decision":
            mlflow.set_tags(
                {"decision": "promoted" if data["promote"] else "kept champion"}
            )
            mlflow.log_metrics(_champion_on_new_images(data))
        elif dataset_name == "data_drift":
            mlflow.set_tag("data_drift", data["verdict"])
            mlflow.log_metrics(
                {
                    f"drift_psi_{name}": shift["overall"]["psi"]
                    for name, shift in data["statistics"].items()
                    if shift["overall"] is not None
                }
            )
        elif dataset_name == "champion":
            register_champion(data)
        elif dataset_name == "serving_model":
            log_serving_model(data)


def _champion_on_new_images(decision: dict) -> dict[str, float]:
    """The champion's accuracy and image count on the test images new since it was
    trained and on the others, as metrics; none without a champion's profile."""
    metrics = {}
    for subset in ("new", "other"):
        score = decision.get(f"champion_{subset}_test_images")
        if score and score["accuracy"] is not None:
            metrics[f"champion_{subset}_test_accuracy"] = score["accuracy"]
            metrics[f"champion_{subset}_test_images"] = score["count"]
    return metrics
