"""kedro-viz as a person uses it: headless Chromium on the live server and on the
static site, after the README's first command.

Chromium is Debian's package (`apt-get install chromium`), driven by playwright with
its executable path; nothing is downloaded. Every request that does not go to the
local server is aborted, so no request leaves the machine. Screenshots land in
``artifacts/kedro-viz/`` (or ``$ARTIFACTS_DIR/kedro-viz/``). Where Chromium is missing
the test skips with the reason, unless ``REQUIRE_BROWSER_TEST=1`` (CI) makes that a
failure.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from kedro.framework.project import configure_project
from playwright.sync_api import sync_playwright

from image_classification.pipeline_registry import STAGES, register_pipelines
from tests.project_copy import KEDRO, PROJECT_ROOT, run_kedro

# The reporting outputs a person opens, and what their preview must show.
IMAGE_PREVIEWS = ("class_sample_grid", "augmentation_preview", "learning_curves")
IMAGE_PREVIEWS += ("confusion_matrix",)
JSON_PREVIEWS = {"validation_report": "quarantined_by_reason", "diagnosis": "verdict"}
SCREENSHOTS = (
    Path(os.environ.get("ARTIFACTS_DIR", PROJECT_ROOT / "artifacts")) / "kedro-viz"
)


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if path:
        return path
    reason = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER_TEST") == "1":
        pytest.fail(f"REQUIRE_BROWSER_TEST=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    """A free port below 49152: kedro viz refuses the ephemeral range."""
    for port in random.Random(os.getpid()).sample(range(20_000, 49_000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port between 20000 and 49000")


@contextmanager
def _server(command: list[str], cwd: Path, port: int) -> Iterator[str]:
    """Start ``command`` in its own process group; yield its URL once /api/main
    answers; stop the whole group (kedro viz leaves a child that outlives SIGTERM)."""
    log = (cwd / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(url + "api/main", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"{command} did not serve {url}: {(cwd / log.name).read_text()}"
                )
            time.sleep(0.5)
        yield url
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
                process.wait(timeout=10)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        log.close()


def _default_pipeline():
    configure_project("image_classification")
    return register_pipelines()["__default__"]


def _node_names() -> set[str]:
    """Names of the nodes of the five stages as kedro-viz labels them (no namespace)."""
    return {node.name.rsplit(".", 1)[-1] for node in _default_pipeline().nodes}


def _layers() -> set[str]:
    """The catalog's layers of the datasets that the five stages read or write."""
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog.yml").read_text())
    used = _default_pipeline().datasets()
    return {
        entry["metadata"]["kedro-viz"]["layer"]
        for name, entry in catalog.items()
        if name in used and "kedro-viz" in entry.get("metadata", {})
    }


def _browse(url: str, chromium: str, screenshot: Path) -> list[str]:
    """Check the flowchart and the previews at ``url``; return the aborted requests."""
    aborted: list[str] = []

    def local_only(route):
        if route.request.url.startswith((url, "data:", "blob:")):
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"]
        )
        try:
            page = _show(browser, url, local_only, expand=False)
            stages = _fullnames(page, "g.pipeline-node--modularPipeline")
            assert stages == set(STAGES), "each stage is one collapsed box"
            page = _show(browser, url, local_only, expand=True)  # every node, every layer
            layers = [
                n.strip() for n in page.locator(".pipeline-layer-name").all_inner_texts()
            ]
            # From raw to reporting, each a layer of the catalog (a band shows only
            # where kedro-viz draws a dataset: test_predictions' model_output has none).
            assert (layers[0], layers[-1]) == ("raw", "reporting")
            assert len(layers) >= 5
            assert set(layers) <= _layers()

            assert _node_names() <= _fullnames(page, "g.pipeline-node--task")
            for name in IMAGE_PREVIEWS:
                _open_dataset(page, name)
                page.wait_for_function(
                    """() => {
                        const image = document.querySelector(
                            '.pipeline-metadata img.pipeline-metadata__plot-image');
                        return image && image.complete && image.naturalWidth > 100;
                    }""",
                    timeout=20_000,
                )
            for name, key in JSON_PREVIEWS.items():
                _open_dataset(page, name)
                preview = page.locator(
                    ".pipeline-metadata .pipeline-metadata__preview-json"
                )
                preview.wait_for(timeout=20_000)
                assert key in preview.inner_text(), name
            _open_dataset(page, "learning_curves")
            page.locator(".pipeline-metadata img.pipeline-metadata__plot-image").wait_for()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshot)
        finally:
            browser.close()
    return aborted


def _show(browser, url: str, local_only, *, expand: bool):
    """A fresh page on the flowchart, feature hints off, stages collapsed or expanded
    (kedro-viz reads its settings from localStorage before it draws)."""
    settings = f'{{"showFeatureHints": false, "expandAllPipelines": {str(expand).lower()}}}'
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.route("**/*", local_only)
    context.add_init_script(f"localStorage.setItem('KedroViz', '{settings}')")
    page = context.new_page()
    page.goto(url)
    kind = "task" if expand else "modularPipeline"
    page.wait_for_selector(f"g.pipeline-node--{kind}", timeout=60_000)
    return page


def _fullnames(page, selector: str) -> set[str]:
    return set(
        page.eval_on_selector_all(
            selector, "nodes => nodes.map(n => n.getAttribute('data-node-fullname'))"
        )
    )


def _open_dataset(page, name: str) -> None:
    """The dataset's metadata panel. The click is dispatched to the node: where the
    layout puts it under kedro-viz's slicing hint or toolbar, a pointer click lands
    on those instead."""
    page.locator(f"g.pipeline-node--data[data-node-fullname={name}]").dispatch_event(
        "click"
    )
    page.locator(".pipeline-metadata__title", has_text=name).wait_for(timeout=20_000)


@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


def test_live_kedro_viz_shows_every_stage_and_its_previews(demo_run, chromium):
    project, result = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    port = _free_port()
    command = [KEDRO, "viz", "run", "--no-browser", "--host", "127.0.0.1"]
    with _server([*command, "--port", str(port)], project, port) as url:
        aborted = _browse(url, chromium, SCREENSHOTS / "live.png")
    assert all(not request.startswith("http://127.0.0.1") for request in aborted)


def test_static_kedro_viz_site_shows_every_stage_and_its_previews(demo_run, chromium):
    project, _ = demo_run
    build = run_kedro(project, "viz", "build", "--include-previews")
    assert build.returncode == 0, build.stderr[-3000:]
    port = _free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with _server([*command, "--directory", "build"], project, port) as url:
        _browse(url, chromium, SCREENSHOTS / "static.png")
