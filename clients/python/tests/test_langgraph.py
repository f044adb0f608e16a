"""countersign.langgraph with the real langgraph package and a deterministic graph (review_graph.py):
the graph interrupts, a reviewer decides over the sync API, the graph resumes with the decision, in
one process and across a restart of the Python process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from conftest import Queue, Reviewer
from countersign import Client, DecisionTimeout
from countersign.langgraph import ReviewedGraph
from review_graph import build_graph


def test_graph_resumes_with_the_decision(client: Client, reviewer: Reviewer) -> None:
    reviewed = ReviewedGraph(build_graph(InMemorySaver()), client, wait_timeout=0.5)
    config: RunnableConfig = {"configurable": {"thread_id": f"thread-{uuid.uuid4()}"}}
    with pytest.raises(DecisionTimeout) as waiting:
        reviewed.run({"amount": 4980}, config)
    item = client.get(waiting.value.item_id)
    assert (item.status, item.kind, item.raw["ai"]["output"]) == ("pending", "transaction", {"verdict": "block"})

    reviewer.decide(item.id, "approve_with_edits", correction={"verdict": "allow"}, note="known customer")
    final = reviewed.resume(config)
    assert final["action"] == {"verdict": "allow"}
    assert final["review"] == {
        "outcome": "approved_with_edits",
        "by": "sdk-reviewer",
        "note": "known customer",
        "item_id": item.id,
    }


def test_a_rejection_reaches_the_graph(client: Client, reviewer: Reviewer) -> None:
    reviewed = ReviewedGraph(build_graph(InMemorySaver()), client, wait_timeout=0.5)
    config: RunnableConfig = {"configurable": {"thread_id": f"thread-{uuid.uuid4()}"}}
    with pytest.raises(DecisionTimeout) as waiting:
        reviewed.run({"amount": 4980}, config)
    reviewer.decide(waiting.value.item_id, "reject", reason_code="false_positive", note="not fraud")
    final = reviewed.resume(config)
    assert final["review"]["outcome"] == "rejected"
    assert final["action"] == {"verdict": "escalate_to_ops"}


def test_graph_resumes_after_the_process_restarted(queue: Queue, reviewer: Reviewer, tmp_path: Path) -> None:
    script = Path(__file__).with_name("review_graph.py")
    checkpoint_db = str(tmp_path / "checkpoints.db")
    thread_id = f"thread-{uuid.uuid4()}"
    env = {**os.environ, "COUNTERSIGN_URL": queue.url, "COUNTERSIGN_TOKEN": queue.producer_token}

    def phase(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script), name, checkpoint_db, thread_id], env=env, capture_output=True, text=True
        )

    started = phase("start")
    assert started.returncode == 3, started.stderr
    item_id = started.stdout.strip()

    reviewer.decide(item_id, "approve", note="fine after a call")
    resumed = phase("resume")
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["action"] == {"verdict": "block"}
    assert final["review"] == {
        "outcome": "approved",
        "by": "sdk-reviewer",
        "note": "fine after a call",
        "item_id": item_id,
    }
