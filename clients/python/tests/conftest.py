"""Fixtures: a real queue service, started from its binary, on SQLite and (when
``COUNTERSIGN_TEST_POSTGRES_URL`` is set) on PostgreSQL; a reviewer that decides over the sync API
(``docs/protocol.md``, "Sync"); and a local webhook receiver."""

from __future__ import annotations

import os
import queue as queue_module
import subprocess
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from countersign import Client

REPO_ROOT = Path(__file__).resolve().parents[3]


def queue_binary() -> Path:
    configured = os.environ.get("COUNTERSIGN_QUEUE_BIN")
    path = Path(configured) if configured else REPO_ROOT / "target" / "debug" / "countersign-queue"
    if not path.is_file():
        pytest.fail(
            f"no queue binary at {path}: build it (cargo build -p countersign-queue) or set COUNTERSIGN_QUEUE_BIN"
        )
    return path


@dataclass
class Queue:
    """A running queue service and what the tests need to talk to it."""

    binary: Path
    database: str
    url: str
    producer_token: str
    reviewer_token: str
    admin_token: str

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [str(self.binary), *args, "--database", self.database],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()


def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards. The queue creates a missing
    database itself; ``scripts/postgres.sh`` drops ``cs_test_%`` leftovers of interrupted runs."""
    server = os.environ.get("COUNTERSIGN_TEST_POSTGRES_URL")
    if not server:
        # Like the Rust suites: PostgreSQL tests never skip (scripts/test.sh sets it).
        pytest.fail(
            "COUNTERSIGN_TEST_POSTGRES_URL is not set: run scripts/test.sh, "
            "or export COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh)"
        )
    name = f"cs_test_sdk_{uuid.uuid4().hex}"
    yield f"{server.rstrip('/')}/{name}"
    import psycopg

    # An autovacuum worker busy in the database makes `WITH (FORCE)` refuse for a moment (it may
    # not signal a backend of no role of its own): try again, and leave what still stands to
    # scripts/postgres.sh, as the Rust suites do; the clean-up is not what these tests check.
    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as connection:
        for _ in range(40):
            try:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                time.sleep(0.25)
        warnings.warn(f"could not drop {name}; scripts/postgres.sh drops it on its next run", stacklevel=1)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def queue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    if request.param == "sqlite":
        databases: Iterator[str] = iter([f"sqlite://{tmp_path_factory.mktemp('queue') / 'queue.db'}"])
    else:
        databases = _postgres_database()
    database = next(databases)
    binary = queue_binary()
    service = Queue(binary, database, "", "", "", "")
    service.producer_token = service.cli("user", "add", "sdk-producer", "--role", "producer")
    service.reviewer_token = service.cli("user", "add", "sdk-reviewer", "--role", "reviewer")
    service.admin_token = service.cli("user", "add", "sdk-admin", "--role", "admin")
    process = subprocess.Popen(
        [str(binary), "serve", "--database", database, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        if not first_line.startswith("listening on "):
            assert process.stderr is not None
            pytest.fail(f"the queue did not start: {first_line!r} {process.stderr.read()}")
        service.url = first_line.removeprefix("listening on ").strip()
        yield service
    finally:
        process.terminate()
        process.wait(timeout=30)
        for _ in databases:  # runs the PostgreSQL generator's clean-up
            pass


@pytest.fixture
def client(queue: Queue) -> Iterator[Client]:
    with Client(queue.url, queue.producer_token) as producer:
        yield producer


class Reviewer:
    """A reviewer deciding over the sync API, as a desktop client would: pull, then push one
    mutation under the assignment's lease. Each decision uses a new client id, so its first
    mutation id is 1."""

    def __init__(self, queue: Queue) -> None:
        self._http = httpx.Client(
            base_url=queue.url, headers={"Authorization": f"Bearer {queue.reviewer_token}"}, timeout=20
        )

    def close(self) -> None:
        self._http.close()

    def decide(self, item_id: str, action: str, **fields: Any) -> dict[str, Any]:
        result = self.push(item_id, action, **fields)
        assert result["status"] == "applied", result
        return result

    def push(self, item_id: str, action: str, **fields: Any) -> dict[str, Any]:
        """Pushes one decision and returns the server's result, whatever it is."""
        client_id = str(uuid.uuid4())
        pulled = self._http.post("/v1/sync/pull", json={"client_id": client_id, "cursor": None})
        pulled.raise_for_status()
        assignment = next(a for a in pulled.json()["assignments"] if a["item"]["id"] == item_id)
        mutation = {
            "id": 1,
            "decision_id": str(uuid.uuid4()),
            "item_id": item_id,
            "lease_id": assignment["lease"]["id"],
            "lease_epoch": assignment["lease"]["epoch"],
            "action": action,
            **fields,
        }
        pushed = self._http.post("/v1/sync/push", json={"client_id": client_id, "mutations": [mutation]})
        pushed.raise_for_status()
        result: dict[str, Any] = pushed.json()["results"][0]
        return result


@pytest.fixture
def reviewer(queue: Queue) -> Iterator[Reviewer]:
    person = Reviewer(queue)
    yield person
    person.close()


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]


class WebhookReceiver:
    """A local HTTP receiver on 127.0.0.1 that records every POST and answers 204."""

    def __init__(self) -> None:
        self.deliveries: queue_module.Queue[Delivery] = queue_module.Queue()
        deliveries = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server hook's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                deliveries.put(Delivery(body, dict(self.headers.items())))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/countersign"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
