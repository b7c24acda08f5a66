"""The README reads in order, its links lead somewhere, and every command in it is
run: by a test or a script of the repository, or, for a benchmark, at least parsed by
its own script; each `kedro` command parses against the project's real CLI."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from kedro.framework.project import configure_project

from image_classification.cli import cli
from image_classification.pipeline_registry import register_pipelines
from tests.project_copy import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCS = (
    README,
    PROJECT_ROOT / "benchmarks" / "README.md",
    PROJECT_ROOT / "conf" / "README.md",
)
# What a reader needs first comes first.
ORDER = [
    "Contents",
    "Quick start",
    "Your own images",
    "Reading the diagnosis",
    "Predicting and serving",
    "Scheduled retraining",
    "Object storage and Dask",
    "Configuration",
    "Benchmarks",
    "The demo images",
    "Development",
]
# Commands that open something for a person (a browser, a UI, a notebook server) or
# only set up the shell: there is nothing for a test to check but that they start.
FOR_A_PERSON = (
    "xdg-open",
    "jupyter",
    "pip install jupyterlab",
    "mlflow ui",
    "source ",
    "ls ",
)
# Where commands are run: the tests, CI, the Airflow check.
RUNNERS = [
    *PROJECT_ROOT.glob("tests/**/*.py"),
    PROJECT_ROOT / ".ci" / "run",
    PROJECT_ROOT / "airflow" / "check.sh",
]
# Options whose value names what runs, as the command line and a Kedro session name
# them: a test may run the pipeline through a session.
_NAMING_OPTIONS = {
    "--pipeline": r"(--pipelines?|pipeline_names?=)",
    "--pipelines": r"(--pipelines?|pipeline_names?=)",
    "--tags": r"(--tags|tags=)",
    "--env": r"(--env|env=)",
}


def _headings(text: str, level: int) -> list[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.findall(rf"^{'#' * level} (.+)$", text, re.M)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def readme_commands(text: str) -> list[str]:
    """Every command of the README's bash blocks, continuation lines joined, comments
    and variable assignments dropped, commands joined by && apart."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if not words or re.fullmatch(r"\w+=\S*", line.strip()):
                continue
            commands += [part.strip() for part in shlex.join(words).split(" '&&' ")]
    return commands


def _patterns(command: str) -> list[str]:
    """What identifies a command in the code that runs it, as regular expressions: the
    program, its subcommands, its option names, what the naming options name, the
    keys of --params."""
    words = shlex.split(command)
    program = Path(words[0]).name
    patterns = [r"(python|sys\.executable)" if program == "python" else re.escape(program)]
    options = False
    for index, word in enumerate(words[1:], start=1):
        before = words[index - 1]
        if word.startswith("-"):
            options = True
            patterns.append(_NAMING_OPTIONS.get(word, re.escape(word)))
        elif before in _NAMING_OPTIONS or before == "-m":
            patterns.append(re.escape(word))
        elif before == "--params":
            patterns += [re.escape(item.split("=", 1)[0]) for item in word.split(",")]
        elif not options and "/" not in word and "=" not in word:
            patterns.append(re.escape(word))
    return patterns


def test_the_sections_come_in_the_order_a_reader_needs_them():
    text = README.read_text()
    assert _headings(text, 2) == ORDER
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\]\(#([\w-]+)\)", contents)
    assert [_anchor(title) for title in ORDER[1:]] == [
        anchor for anchor in listed if anchor in {_anchor(t) for t in ORDER}
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_every_link_leads_to_a_file_or_a_heading(doc):
    text = doc.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith("http"):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        assert linked.exists(), f"{doc.name}: {target}"
        if anchor and linked.suffix == ".md":
            headings = _headings(linked.read_text(), 2) + _headings(linked.read_text(), 3)
            assert anchor in {_anchor(h) for h in headings}, f"{doc.name}: {target}"


def test_the_readme_stays_a_guide_with_the_figures_in_the_benchmarks():
    text = README.read_text()
    assert len(text.splitlines()) < 900
    benchmark_table_rows = re.findall(r"^\| .*(?:s \||%) .*\|$", text, re.M)
    assert len(benchmark_table_rows) <= 8, benchmark_table_rows


@pytest.mark.parametrize("command", readme_commands(README.read_text()))
def test_every_command_is_run_by_a_test_or_a_script(command):
    if command.startswith(FOR_A_PERSON):
        return
    if command.startswith("python benchmarks/"):
        words = shlex.split(command)
        helped = subprocess.run(
            [sys.executable, words[1], "--help"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert helped.returncode == 0, helped.stderr[-2000:]
        for option in (word for word in words[2:] if word.startswith("--")):
            assert option in helped.stdout, f"{words[1]} has no {option}"
        return
    patterns = _patterns(command)
    runners = [
        path
        for path in RUNNERS
        if all(re.search(pattern, path.read_text()) for pattern in patterns)
    ]
    assert runners, f"no test or script runs {command!r} (looked for {patterns})"


@pytest.mark.parametrize(
    "command",
    [
        c
        for c in readme_commands(README.read_text())
        if re.match(r"kedro (run|retrain)\b", c)
    ],
)
def test_every_kedro_command_parses_against_the_project_cli(command):
    """Options, their values (--load-versions, --params) and the pipeline named."""
    words = shlex.split(command.replace("$V", "2026-11-26T17.50.28.454Z"))
    command_object = cli.commands[words[1]]
    try:
        context = command_object.make_context(words[1], words[2:])
    except click.ClickException as error:
        pytest.fail(f"{command}: {error.format_message()}")
    pipelines = context.params.get("pipelines") or [context.params.get("pipeline")]
    configure_project("image_classification")
    registered = {"__default__", *register_pipelines()}
    assert {name for name in pipelines if name} <= registered, command
