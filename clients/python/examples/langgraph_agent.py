"""An example LangGraph agent that pauses for a human decision (no model calls: the proposal is a rule).

    pip install './clients/python[langgraph]' langgraph-checkpoint-sqlite
    COUNTERSIGN_URL=http://127.0.0.1:8080 COUNTERSIGN_TOKEN=cs_… python clients/python/examples/langgraph_agent.py

The checkpoints are kept in ``agent-checkpoints.db``: stop the script while it waits and start it
again, and it picks up the same review (the same item) and resumes the graph with its decision.
"""

import os
import sqlite3
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

from countersign import Ai, Client
from countersign.langgraph import ReviewedGraph, request_review


class Refund(TypedDict, total=False):
    order: str
    amount: int
    decision: dict[str, Any]


def review_refund(state: Refund) -> Refund:
    proposal = {"refund": state["amount"], "reason": "parcel lost in transit"}
    review = request_review(
        kind="transaction",
        title=f"Refund EUR {state['amount']} for order {state['order']}",
        payload={"order": state["order"], "amount": state["amount"], "currency": "EUR"},
        ai=Ai(output=proposal, confidence=0.7, risk="medium", model="refund-rules-v1"),
    )
    outcome = review.output(proposal) if review.approved else None
    return {"decision": {"refund": outcome, "by": review.by, "note": review.note}}


def main() -> None:
    graph = StateGraph(Refund)
    graph.add_node("review_refund", review_refund)
    graph.add_edge(START, "review_refund")
    graph.add_edge("review_refund", END)
    checkpointer = SqliteSaver(sqlite3.connect("agent-checkpoints.db", check_same_thread=False))
    config: RunnableConfig = {"configurable": {"thread_id": "refund-order-1042"}}
    with Client(os.environ["COUNTERSIGN_URL"], os.environ["COUNTERSIGN_TOKEN"]) as client:
        reviewed = ReviewedGraph(graph.compile(checkpointer=checkpointer), client, wait_timeout=3600)
        paused = bool(checkpointer.get(config))
        final = reviewed.resume(config) if paused else reviewed.run({"order": "1042", "amount": 129}, config)
    print(final["decision"])


if __name__ == "__main__":
    main()
