"""Nodes of the retraining pipeline's last stage: champion/challenger."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
from matplotlib.figure import Figure

from image_classification.core.data_profile import (
    arrived_images,
    data_profile,
    drift_report,
)
from image_classification.core.evaluation import predicted_test_split
from image_classification.core.image_pack import ImagePack
from image_classification.core.manifest import data_fingerprint
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.retraining import RetrainingParams
from image_classification.datasets import Champion

logger = logging.getLogger(__name__)

RUN_COLUMNS = [
    "run_id",
    "data_fingerprint",
    "images",
    "data_drift",
    "candidate_test_accuracy",
    "champion_test_accuracy",
    "candidate_verdict",
    "decision",
    "reason",
    "champion_id",
]


def start_retraining_run() -> dict:
    """Names this run by the time it reached the promotion stage (UTC).

    The one node that reads the clock: the run table says when each run happened.
    """
    return {"run_id": datetime.now(UTC).strftime("%Y-%m-%dT%H.%M.%S.%fZ")}


def profile_training_data(
    image_index: pd.DataFrame, split_manifest: pd.DataFrame
) -> pd.DataFrame:
    """The profile of this run's data (``core.data_profile``), kept beside the model
    if it is crowned, for the next runs to compare with."""
    return data_profile(image_index, split_manifest)


def report_data_drift(
    current_champion: Champion | None, profile: pd.DataFrame, params: RetrainingParams
) -> dict:
    """Today's data against the champion's: files added, removed and relabelled,
    classes, each statistic's shift, new copies of old images; ``no reference``
    before the first champion, or for one crowned before profiles were kept."""
    if current_champion is None or current_champion.profile is None:
        report = drift_report(profile, profile, params.drift)
        return report | {"verdict": "no reference", "reference": None, "drifted": []}
    report = drift_report(current_champion.profile, profile, params.drift)
    reference = current_champion.record["champion_id"]
    for item in report["drifted"]:
        logger.warning("data drift since champion %s: %s", reference, item)
    return report | {"reference": reference}


def score_champion(
    current_champion: Champion | None,
    image_pack: ImagePack,
    split_manifest: pd.DataFrame,
    profile: pd.DataFrame,
    params: DiagnosticsParams,
) -> dict:
    """The champion's accuracy on today's test split, the one the candidate was tested
    on, and apart on the test images that arrived since it was trained (bytes its
    profile does not hold) and on the others: the first sign that the world moved.

    Returns:
        ``champion_id`` and ``test_accuracy``, both None before the first promotion;
        ``new_test_images`` and ``other_test_images`` (count and accuracy), None when
        the champion has no profile to tell new images from old.
    """
    if current_champion is None:
        return {"champion_id": None, "test_accuracy": None} | _NO_SPLIT_SCORES
    predictions = predicted_test_split(
        current_champion.model, image_pack, split_manifest, params.batch_size
    )
    correct = predictions["label_index"] == predictions["predicted_index"]
    score = {
        "champion_id": current_champion.record["champion_id"],
        "test_accuracy": round(float(correct.mean()), 4),
    }
    if current_champion.profile is None:
        return score | _NO_SPLIT_SCORES
    arrived = arrived_images(current_champion.profile, profile)["relative_path"]
    new = predictions["relative_path"].isin(arrived).to_numpy()
    return score | {
        "new_test_images": _accuracy(correct[new]),
        "other_test_images": _accuracy(correct[~new]),
    }


_NO_SPLIT_SCORES = {"new_test_images": None, "other_test_images": None}


def _accuracy(correct: pd.Series) -> dict:
    accuracy = round(float(correct.mean()), 4) if len(correct) else None
    return {"count": len(correct), "accuracy": accuracy}


def crown_champion(  # noqa: PLR0917 - Kedro passes node inputs by position
    model,
    class_names: list[str],
    training_image_size: dict,
    profile: pd.DataFrame,
    current_champion: Champion | None,
    promotion_decision: dict,
) -> tuple[Champion, dict]:
    """The champion after this run: the candidate if promoted, else the one in use.

    A new champion's record keeps its class names and how its images were fitted to
    its size: a prediction run names the classes of the model it uses, and fits
    images as that model was trained, not as the newest run validated. The profile
    of its data goes with it, for the next runs' drift reports.

    Returns:
        The champion to save, and its record, which the run table takes from here
        rather than loading the saved model back.
    """
    if promotion_decision["promote"]:
        record = {
            "champion_id": promotion_decision["run_id"],
            "test_accuracy": promotion_decision["candidate_test_accuracy"],
            "verdict": promotion_decision["candidate_verdict"],
            "class_names": list(class_names),
            "fit": training_image_size["fit"],
        }
        return Champion(model=model, record=record, profile=profile), record
    return current_champion, current_champion.record


def record_retraining_run(
    promotion_decision: dict,
    champion_record: dict,
    split_manifest: pd.DataFrame,
    data_drift: dict,
) -> dict[str, dict]:
    """This run's row of the run table, as a new partition named by the run; written
    after the champion was saved, so the row never names a champion not in place."""
    row = {
        "run_id": promotion_decision["run_id"],
        "data_fingerprint": data_fingerprint(split_manifest),
        "images": len(split_manifest),
        "data_drift": drift_in_words(data_drift),
        "candidate_test_accuracy": promotion_decision["candidate_test_accuracy"],
        "champion_test_accuracy": promotion_decision["champion_test_accuracy"],
        "candidate_verdict": promotion_decision["candidate_verdict"],
        "decision": "promoted" if promotion_decision["promote"] else "kept champion",
        "reason": promotion_decision["reason"],
        "champion_id": champion_record["champion_id"],
    }
    return {row["run_id"]: row}


def drift_in_words(data_drift: dict) -> str:
    """``ok``, ``no reference``, or ``drift: `` and what drifted."""
    if data_drift["verdict"] != "drift":
        return data_drift["verdict"]
    return "drift: " + "; ".join(data_drift["drifted"])


def summarize_retraining_runs(
    retraining_run_log: dict[str, Callable[[], dict]],
) -> tuple[pd.DataFrame, Figure]:
    """All retraining runs in order, and the champion's test accuracy over time.

    A row that cannot be read (a run killed while writing it) is skipped with a
    warning rather than stopping every later run.
    """
    rows = []
    for name, load in sorted(retraining_run_log.items()):
        try:
            rows.append(load())
        except ValueError as error:
            logger.warning("skipping unreadable retraining run record %s: %s", name, error)
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS)
    champion_accuracy = runs["candidate_test_accuracy"].where(
        runs["decision"] == "promoted", runs["champion_test_accuracy"]
    )
    figure = Figure(figsize=(8, 3.5))
    ax = figure.subplots()
    ax.step(range(len(runs)), champion_accuracy, where="post", label="champion")
    ax.plot(range(len(runs)), runs["candidate_test_accuracy"], "o", label="candidate")
    ax.set_xticks(range(len(runs)), runs["run_id"].str[:16], rotation=30, ha="right")
    ax.set_ylabel("test accuracy")
    ax.set_title("Champion's test accuracy per retraining run")
    ax.grid(alpha=0.3)
    ax.legend()
    figure.tight_layout()
    return runs, figure
