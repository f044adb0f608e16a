"""A deterministic graph for the LangGraph tests (no model calls): a fraud check proposes to block
a payment, asks a person through Countersign, and acts on their answer.

Run as a script it is one process of the restart test, with a SQLite checkpointer:
``python review_graph.py start|resume CHECKPOINT_DB THREAD_ID`` (queue URL and producer token in
``COUNTERSIGN_URL`` and ``COUNTERSIGN_TOKEN``). ``start`` prints the id of the item it is waiting for
when its short wait times out; ``resume`` prints the final state as JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.pregel import Pregel

from countersign import Ai, Client, DecisionTimeout
from countersign.langgraph import ReviewedGraph, request_review


class State(TypedDict, total=False):
    amount: int
    proposal: dict[str, Any]
    review: dict[str, Any]
    action: dict[str, Any]


def propose(state: State) -> State:
    return {"proposal": {"verdict": "block" if state["amount"] > 1000 else "allow"}}


def ask_a_person(state: State) -> State:
    review = request_review(
        kind="transaction",
        title=f"Card payment EUR {state['amount']}",
        payload={"amount": state["amount"], "currency": "EUR"},
        ai=Ai(output=state["proposal"], confidence=0.8, risk="medium", model="rules-v1"),
    )
    return {
        "review": {"outcome": review.outcome, "by": review.by, "note": review.note, "item_id": review.item_id},
        "action": review.output(state["proposal"]) if review.approved else {"verdict": "escalate_to_ops"},
    }


def build_graph(checkpointer: BaseCheckpointSaver[Any]) -> Pregel[Any, Any, Any, Any]:
    graph = StateGraph(State)
    graph.add_node("propose", propose)
    graph.add_node("ask_a_person", ask_a_person)
    graph.add_edge(START, "propose")
    graph.add_edge("propose", "ask_a_person")
    graph.add_edge("ask_a_person", END)
    return graph.compile(checkpointer=checkpointer)


def main(phase: str, checkpoint_db: str, thread_id: str) -> int:
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    with Client(os.environ["COUNTERSIGN_URL"], os.environ["COUNTERSIGN_TOKEN"]) as client:
        checkpointer = SqliteSaver(sqlite3.connect(checkpoint_db, check_same_thread=False))
        reviewed = ReviewedGraph(build_graph(checkpointer), client, wait_timeout=0.5 if phase == "start" else 60)
        try:
            final = reviewed.run({"amount": 4980}, config) if phase == "start" else reviewed.resume(config)
        except DecisionTimeout as waiting:
            print(waiting.item_id)
            return 3
    print(json.dumps(final))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
