"""The champion/challenger rule: promote the candidate, or keep the champion, and say
why."""

from __future__ import annotations

import math

from image_classification.core.params.retraining import RetrainingParams


def decide_promotion(
    run: dict,
    training_metrics: dict,
    diagnosis: dict,
    champion_score: dict,
    params: RetrainingParams,
) -> dict:
    """Promote the candidate, or keep the champion, and say why; and say when the
    champion does much worse on the test images that arrived since it was trained.

    Args:
        run: ``run_id`` of this run.
        training_metrics: The candidate's ``test_accuracy``.
        diagnosis: The candidate's ``verdict``.
        champion_score: Output of ``score_champion``.
        params: The margin, the verdicts that block a promotion, and the gap on new
            images worth a warning.

    Returns:
        ``promote``, ``reason`` and the scores compared.
    """
    candidate = training_metrics["test_accuracy"]
    champion = champion_score["test_accuracy"]
    verdict = diagnosis["verdict"]
    if champion is None:
        promote, reason = True, "first run: there is no champion yet"
    elif verdict in params.rejected_verdicts:
        promote, reason = False, f"the candidate's diagnosis is '{verdict}'"
    elif candidate >= champion + params.min_improvement:
        promote, reason = (
            True,
            f"test accuracy {candidate:.4f} beats the champion's {champion:.4f} by at "
            f"least {params.min_improvement}",
        )
    else:
        promote, reason = (
            False,
            f"test accuracy {candidate:.4f} does not beat the champion's {champion:.4f} "
            f"by {params.min_improvement}",
        )
    new, other = champion_score["new_test_images"], champion_score["other_test_images"]
    worse_on_new = _much_worse_on_new(new, other, params)
    if worse_on_new:
        reason += (
            f"; the champion scores {new['accuracy']:.4f} on the {new['count']:,} test "
            f"images added since it was trained, against {other['accuracy']:.4f} on the "
            f"other {other['count']:,}: the data has moved"
        )
    return {
        "run_id": run["run_id"],
        "promote": promote,
        "reason": reason,
        "candidate_test_accuracy": candidate,
        "candidate_verdict": verdict,
        "champion_test_accuracy": champion,
        "champion_new_test_images": new,
        "champion_other_test_images": other,
        "champion_worse_on_new_images": worse_on_new,
        "previous_champion_id": champion_score["champion_id"],
    }


def _much_worse_on_new(new: dict | None, other: dict | None, params) -> bool:
    """Whether the champion's accuracy on enough new test images falls short of its
    accuracy on the others by more than ``params.max_new_image_gap`` and by more than
    two standard errors of that difference: a gap chance alone would rarely give."""
    if not new or not other or new["accuracy"] is None or other["accuracy"] is None:
        return False
    gap = other["accuracy"] - new["accuracy"]
    noise = 2 * math.sqrt(
        sum(s["accuracy"] * (1 - s["accuracy"]) / s["count"] for s in (new, other))
    )
    enough = new["count"] >= params.min_new_test_images
    return enough and gap > max(params.max_new_image_gap, noise)
