"""A real S3-compatible server on 127.0.0.1 for the tests: moto in server mode, started
as a process, with authentication on (a wrong key is refused, as on AWS)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import s3fs

# moto checks keys against its IAM users after this many requests: enough to create one.
_REQUESTS_BEFORE_AUTHENTICATION = 3
_ALLOW_ALL = (
    '{"Version": "2012-10-17", "Statement": '
    '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(
    ready: Callable[[], bool], process: subprocess.Popen, seconds: float
) -> None:
    """Poll ``ready`` until it holds; fail at once if ``process`` exits meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        if ready():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{process.args[0]} not ready after {seconds} s")


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    def answers() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    wait_until(answers, process, seconds)


@dataclass(frozen=True)
class ObjectStorage:
    endpoint: str
    key: str
    secret: str

    @property
    def environment(self) -> dict[str, str]:
        """What a client process needs (botocore reads these)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.key,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    @property
    def credentials(self) -> dict:
        """The ``object_storage`` entry of conf/local/credentials.yml."""
        return {
            "s3": {
                "key": self.key,
                "secret": self.secret,
                "client_kwargs": {
                    "endpoint_url": self.endpoint,
                    "region_name": "us-east-1",
                },
            }
        }

    def filesystem(self) -> s3fs.S3FileSystem:
        return s3fs.S3FileSystem(
            key=self.key,
            secret=self.secret,
            client_kwargs={"endpoint_url": self.endpoint},
            skip_instance_cache=True,
        )

    def new_bucket(self, name: str) -> str:
        self.filesystem().mkdir(name)
        return f"s3://{name}"

    def upload(self, folder: Path, url: str) -> None:
        self.filesystem().put(f"{folder}/", url.removeprefix("s3://"), recursive=True)


@pytest.fixture(scope="session")
def object_storage(tmp_path_factory) -> Iterator[ObjectStorage]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    environment = os.environ | {
        "INITIAL_NO_AUTH_ACTION_COUNT": str(_REQUESTS_BEFORE_AUTHENTICATION)
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                Path(sys.executable).with_name("moto_server"),
                "-H",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process)
        endpoint = f"http://127.0.0.1:{port}"
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="tests")
        iam.put_user_policy(UserName="tests", PolicyName="all", PolicyDocument=_ALLOW_ALL)
        key = iam.create_access_key(UserName="tests")["AccessKey"]
        yield ObjectStorage(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        process.terminate()
        process.wait(timeout=30)
