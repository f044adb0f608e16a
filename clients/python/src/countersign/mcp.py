"""An MCP server that lets an agent ask a person: tools ``request_human_review`` and ``get_review``.

Run it over stdio with the queue's address and a producer token in the environment::

    COUNTERSIGN_URL=http://127.0.0.1:8080 COUNTERSIGN_TOKEN=cs_… countersign-mcp

(``python -m countersign.mcp`` does the same). Needs ``pip install './clients/python[mcp]'``.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Literal, TypedDict

from mcp.server.mcpserver import MCPServer

from countersign.client import Client
from countersign.errors import DecisionTimeout
from countersign.items import Ai, Item, NewItem


class ReviewAnswer(TypedDict):
    """What both tools return. ``pending`` is True while nobody has decided yet: call
    ``get_review`` with ``item_id`` later. ``outcome`` is ``approved``, ``approved_with_edits`` or
    ``rejected`` once decided (``None`` when pending or cancelled); ``correction`` is the person's
    edited version of the proposal (for ``approved_with_edits``), ``note`` and ``reason_code`` what
    they wrote, ``decided_by`` who decided last."""

    item_id: str
    pending: bool
    status: str
    outcome: str | None
    correction: Any
    note: str | None
    reason_code: str | None
    decided_by: str | None


def answer_of(item: Item) -> ReviewAnswer:
    last = item.last_decision
    return ReviewAnswer(
        item_id=item.id,
        pending=not item.is_final,
        status=item.status,
        outcome=item.outcome,
        correction=item.correction,
        note=last.note if last else None,
        reason_code=last.reason_code if last else None,
        decided_by=last.by if last else None,
    )


def build_server(client: Client) -> MCPServer:
    """The MCP server, its tools talking to the queue through ``client``."""
    server = MCPServer(
        "countersign", instructions="Ask a person to approve, correct or reject a proposal before acting on it."
    )

    @server.tool()
    def request_human_review(
        kind: str,
        title: str,
        proposal: Any,
        confidence: float,
        risk: Literal["low", "medium", "high", "critical"],
        context: dict[str, Any] | None = None,
        reasoning: str | None = None,
        external_id: str | None = None,
        wait_seconds: float = 60,
    ) -> ReviewAnswer:
        """Submits a proposal for human review and waits up to ``wait_seconds`` for the decision.

        ``proposal`` is what you intend to do (any JSON: a text, an object); ``context`` what the
        reviewer needs to judge it; ``confidence`` (0..1) and ``risk`` your own estimate. Give the
        same ``external_id`` when you retry, so the person reviews it once. Act only when
        ``outcome`` is approved (use ``correction`` instead of your proposal when there is one);
        when ``pending`` is true, call ``get_review`` later.
        """
        item = client.submit(
            NewItem(
                external_id=external_id or f"mcp-{uuid.uuid4()}",
                kind=kind,
                title=title,
                payload=context or {},
                ai=Ai(output=proposal, confidence=confidence, risk=risk, reasoning=reasoning),
            )
        ).item
        try:
            return answer_of(client.wait_for_decision(item.id, timeout=wait_seconds))
        except DecisionTimeout:
            return answer_of(client.get(item.id))

    @server.tool()
    def get_review(item_id: str) -> ReviewAnswer:
        """The current state of a review requested earlier: pending, or the person's decision."""
        return answer_of(client.get(item_id))

    return server


def main() -> None:
    """Serves the tools over stdio (``COUNTERSIGN_URL``, ``COUNTERSIGN_TOKEN`` from the environment)."""
    with Client(os.environ["COUNTERSIGN_URL"], os.environ["COUNTERSIGN_TOKEN"]) as client:
        build_server(client).run("stdio")


if __name__ == "__main__":
    main()
