"""An MLflow tracking server on 127.0.0.1 whose artifact store is a bucket on the test
S3 server, as a team runs one for workers on several machines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.object_storage import ObjectStorage, free_port, wait_until


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def tracking_server(object_storage: ObjectStorage, tmp_path_factory) -> Iterator[str]:
    """The server's URL; artifacts go to ``s3://mlflow-artifacts``."""
    object_storage.new_bucket("mlflow-artifacts")
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    environment = os.environ | object_storage.environment
    environment["MLFLOW_S3_ENDPOINT_URL"] = object_storage.endpoint
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("mlflow")),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--backend-store-uri",
                f"sqlite:///{folder}/mlflow.db",
                "--artifacts-destination",
                "s3://mlflow-artifacts",
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its web server workers stop with it
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url), process, seconds=120)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
