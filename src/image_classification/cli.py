"""Project commands added to `kedro`: `kedro retrain`, the command a scheduler calls,
and `kedro run`, Kedro's own, which shows a fault in the data or configuration as one
line instead of a traceback."""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.project import LOGGING, configure_logging
from kedro.utils import find_kedro_project
from kedro.validation.exceptions import ParameterValidationError

from .core.errors import input_error_in
from .retraining.job import retrain as retrain_unless_done
from .retraining.lock import LockHeld

EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later
EXIT_INPUT_ERROR = 1
TRACEBACK_OPTION = click.Option(
    ["--traceback"],
    is_flag=True,
    help="On a fault in the data or configuration, show the traceback too.",
)


@click.group(name="image_classification")
def cli() -> None:
    """Commands of the image_classification project."""


@contextmanager
def input_errors_in_one_line(show_traceback: bool) -> Iterator[None]:
    """An ``InputError`` anywhere in the chain of what the command raised becomes one
    line on stderr and exit status 1; anything else propagates with its traceback.

    Kedro logs a failed node and how to resume the run before the error reaches
    here; for the user's fault those notes would bury the one line, so they are held
    back and shown only when the fault is not the user's.
    """
    notes = _FailureNotes()
    handlers = logging.getLogger().handlers
    for handler in handlers:
        handler.addFilter(notes)
    try:
        yield
    except Exception as error:
        cause = input_error_in(error) or _parameter_error(error)
        if cause is None or show_traceback:
            notes.release(handlers)
            raise
        click.secho(f"Error: {cause} (--traceback shows where)", err=True, fg="red")
        sys.exit(EXIT_INPUT_ERROR)
    finally:
        for handler in handlers:
            handler.removeFilter(notes)
    notes.release(handlers)


class _FailureNotes(logging.Filter):
    """Holds what Kedro logs about a failed run: the node's error, the nodes not run,
    parameters it refused."""

    LOGGERS = ("kedro.runner", "kedro.pipeline.node", "kedro.validation")

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(self.LOGGERS):
            return True
        if record not in self.records:  # each handler asks
            self.records.append(record)
        return False

    def release(self, handlers: list[logging.Handler]) -> None:
        for handler in handlers:
            handler.removeFilter(self)
        for record in self.records:
            for handler in handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
        self.records.clear()


def _parameter_error(error: Exception) -> str | None:
    """Kedro's refusal of a typed parameter, on one line: pydantic's message without
    its links and indentation."""
    if not isinstance(error, ParameterValidationError):
        return None
    lines = [line.strip() for line in str(error).splitlines()]
    kept = [line for line in lines if line and not line.startswith("For further")]
    return " ".join(kept).replace("- Parameter", "Parameter")


VERBOSE_OPTION = click.Option(
    ["--verbose"],
    is_flag=True,
    help="Show Kedro's INFO log (each dataset and node) on the console.",
)


def show_info_log() -> None:
    """Let every handler of the logging configuration show INFO records, and the
    libraries' Python warnings."""
    config = copy.deepcopy(dict(LOGGING.data))
    for handler in config.get("handlers", {}).values():
        handler["level"] = "INFO"
    config.get("loggers", {}).pop("py.warnings", None)
    configure_logging(config)


def option_faults_in_one_line(option: click.Parameter) -> click.Parameter:
    """Kedro's option with its parsing faults as one ``Error:`` line.

    Kedro's parser of ``--load-versions`` raises an error that prints "NoneType:
    None" (it formats an exception that is no longer being handled), and click's usage
    errors add three lines of usage around the one that matters.
    """
    parse = option.callback
    if parse is None:
        return option

    def parsed(context: click.Context, parameter: click.Parameter, value):
        try:
            return parse(context, parameter, value)
        except click.ClickException as error:
            message = error.format_message()
            if parameter.name == "load_versions":
                message = (
                    "write each as DATASET:VERSION, with a colon, e.g. "
                    "prediction_model:2026-11-26T17.50.28.454Z"
                )
            elif parameter.name == "params":
                message += (
                    " (--params splits at commas: put a list in a parameters file "
                    "of conf/local instead)"
                )
            raise click.ClickException(f"{option.opts[0]} {value}: {message}") from None

    changed = copy.copy(option)
    changed.callback = parsed
    return changed


@cli.command(
    name="run",
    params=[
        *map(option_faults_in_one_line, kedro_run.params),
        TRACEBACK_OPTION,
        VERBOSE_OPTION,
    ],
    help=kedro_run.help,
    short_help=kedro_run.short_help,
)
def run(traceback: bool, verbose: bool, **options) -> None:
    """Kedro's ``run`` with its options, ``--traceback`` and ``--verbose``."""
    if verbose:
        show_info_log()
    with input_errors_in_one_line(traceback):
        kedro_run.callback(**options)


@cli.command(
    params=[option_faults_in_one_line(o) for o in kedro_run.params if o.name == "params"]
)
@click.option("--force", is_flag=True, help="Retrain even when nothing changed.")
@click.option("--wait", is_flag=True, help="Wait for a running retraining to finish.")
@click.option("--env", "-e", default=None, help="Kedro configuration environment.")
@click.option("--traceback", is_flag=True, help=TRACEBACK_OPTION.help)
def retrain(
    force: bool, wait: bool, env: str | None, traceback: bool, params: dict
) -> None:
    """Validate, split, train and diagnose, then promote the new model only if it
    beats the champion (the `retraining` pipeline).

    Ends at once with "up to date" (exit 0) when the raw files, the parameters and the
    code are those of the last completed run. Exits with 75 when another retraining
    holds the lock, unless --wait.
    """
    with input_errors_in_one_line(traceback):
        _retrain(force, wait, env, params)


def _retrain(force: bool, wait: bool, env: str | None, params: dict) -> None:
    project = find_kedro_project(Path.cwd()) or Path.cwd()
    try:
        click.echo(retrain_unless_done(project, env, params, force=force, wait=wait))
    except LockHeld as error:
        click.echo(f"{error}: exiting; --wait waits for it instead", err=True)
        sys.exit(EXIT_LOCKED)
