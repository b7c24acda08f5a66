"""Project commands added to `kedro`: `kedro retrain`, the command a scheduler calls."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.utils import find_kedro_project

from .retraining_job import (
    LOCK_FILE,
    STATE_FILE,
    LockHeld,
    inputs_fingerprint,
    read_state,
    retraining_lock,
    write_state,
)

EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


@click.group(name="image_classification")
def cli() -> None:
    """Commands of the image_classification project."""


@cli.command()
@click.option("--force", is_flag=True, help="Retrain even when nothing changed.")
@click.option("--wait", is_flag=True, help="Wait for a running retraining to finish.")
@click.option("--env", "-e", default=None, help="Kedro configuration environment.")
def retrain(force: bool, wait: bool, env: str | None) -> None:
    """Validate, split, train and diagnose, then promote the new model only if it
    beats the champion (the `retraining` pipeline).

    Ends at once with "up to date" (exit 0) when the raw files, the parameters and the
    code are those of the last completed run. Exits with 75 when another retraining
    holds the lock, unless --wait.
    """
    project = find_kedro_project(Path.cwd()) or Path.cwd()
    bootstrap_project(project)
    try:
        with retraining_lock(project / LOCK_FILE, wait=wait):
            with KedroSession.create(project_path=project, env=env) as session:
                context = session.load_context()
                paths = context.config_loader["globals"]
                fingerprint = inputs_fingerprint(
                    project / paths["raw_image_dir"],
                    project / paths["labels_file"] if paths["labels_file"] else None,
                    context.params,
                )
                state = read_state(project / STATE_FILE)
                if not force and state and state["fingerprint"] == fingerprint:
                    click.echo(
                        "up to date: the raw images, parameters and code are those of "
                        f"the run completed at {state['completed_at']}; nothing to do "
                        "(--force retrains anyway)"
                    )
                    return
                session.run(pipeline_name="retraining")
                decision = context.catalog.load("promotion_decision")
            write_state(project / STATE_FILE, fingerprint)
            verdict = "promoted" if decision["promote"] else "kept the champion"
            click.echo(f"retraining {decision['run_id']}: {verdict}: {decision['reason']}")
    except LockHeld as error:
        click.echo(f"{error}: exiting; --wait waits for it instead", err=True)
        sys.exit(EXIT_LOCKED)
