"""countersign.mcp over stdio, driven by the official MCP SDK's own client: an agent asks for a
review, a reviewer decides over the sync API, the agent gets the human decision."""

from __future__ import annotations

import sys
import uuid
from typing import Any

import anyio
from mcp import Client as McpClient
from mcp import StdioServerParameters

from conftest import Queue, Reviewer


def call_tools(queue: Queue, calls: list[tuple[str, dict[str, Any]]], between: Any = None) -> list[Any]:
    """Starts the MCP server as a subprocess and makes the calls in order; ``between(results)``
    runs after the first call (the reviewer's turn). Returns each call's structured result."""
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "countersign.mcp"],
        env={"COUNTERSIGN_URL": queue.url, "COUNTERSIGN_TOKEN": queue.producer_token},
    )

    async def session() -> tuple[list[str], list[Any]]:
        results: list[Any] = []
        async with McpClient(server) as agent:
            tools = sorted(tool.name for tool in (await agent.list_tools()).tools)
            for index, (name, arguments) in enumerate(calls):
                result = await agent.call_tool(name, arguments)
                assert not result.is_error, result.content
                results.append(result.structured_content)
                if index == 0 and between is not None:
                    await anyio.to_thread.run_sync(between, results)
        return tools, results

    tools, results = anyio.run(session)
    assert tools == ["get_review", "request_human_review"]
    return results


def test_request_human_review_returns_the_decision(queue: Queue, reviewer: Reviewer) -> None:
    request = {
        "kind": "agent_reply",
        "title": "Reply to a refund request",
        "proposal": "We are sorry: your refund of EUR 40 is on its way.",
        "confidence": 0.7,
        "risk": "medium",
        "context": {"customer": "C-1042", "message": "Where is my refund?"},
        "external_id": f"mcp-test-{uuid.uuid4()}",
    }

    def decide(results: list[Any]) -> None:
        reviewer.decide(
            results[0]["item_id"],
            "approve_with_edits",
            correction="Your refund of EUR 40 was sent today.",
            note="warmer",
        )

    first, again = call_tools(
        queue,
        [
            ("request_human_review", {**request, "wait_seconds": 0.5}),
            # Asked again under the same external_id, the agent gets the same item, now decided.
            ("request_human_review", {**request, "wait_seconds": 30}),
        ],
        between=decide,
    )
    assert first["pending"] is True
    assert first["status"] == "pending"
    assert again == {
        "item_id": first["item_id"],
        "pending": False,
        "status": "decided",
        "outcome": "approved_with_edits",
        "correction": "Your refund of EUR 40 was sent today.",
        "note": "warmer",
        "reason_code": None,
        "decided_by": "sdk-reviewer",
    }
    (read,) = call_tools(queue, [("get_review", {"item_id": first["item_id"]})])
    assert read == again
