"""`kedro retrain`: the retraining pipeline, run under the lock, unless its inputs are
those of the last completed run."""

from __future__ import annotations

from pathlib import Path

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from image_classification.core.storage import join
from image_classification.datasets.champion import read_champion_pointer

from .fingerprint import in_project, session_inputs, up_to_date_since, write_state
from .lock import LOCK_FILE, retraining_lock


def retrain(
    project: Path, env: str | None, params: dict, *, force: bool, wait: bool
) -> str:
    """Run the `retraining` pipeline, unless nothing changed, and say what came of it.

    Args:
        project: The Kedro project.
        env: Its configuration environment.
        params: ``--params`` of the command line.
        force: Retrain even when the inputs are those of the last completed run.
        wait: Wait for a running retraining instead of raising ``LockHeld``.

    Returns:
        The line to print: "up to date ..." or the decision and why.
    """
    bootstrap_project(project)
    with KedroSession.create(
        project_path=project, env=env, runtime_params=params
    ) as session:
        context = session.load_context()
        data_root = in_project(project, context.config_loader["globals"]["data_root"])
        with retraining_lock(join(data_root, LOCK_FILE), wait=wait):
            # A bad champion pointer stops the job even when nothing changed.
            champion = context.config_loader["catalog"]["current_champion"]
            read_champion_pointer(in_project(project, champion["path"]))
            fingerprint, state_file = session_inputs(project, context)
            up_to_date = up_to_date_since(state_file, fingerprint)
            if up_to_date and not force:
                return f"{up_to_date} (--force retrains anyway)"
            session.run(pipeline_name="retraining")
            decision = context.catalog.load("promotion_decision")
            write_state(state_file, fingerprint)
    verdict = "promoted" if decision["promote"] else "kept the champion"
    return f"retraining {decision['run_id']}: {verdict}: {decision['reason']}"
