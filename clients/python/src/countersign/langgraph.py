"""LangGraph: a graph node asks a person, and the graph resumes with their decision.

Inside a node, :func:`request_review` calls LangGraph's ``interrupt()`` with the proposal.
:class:`ReviewedGraph` runs the graph; at each such interrupt it submits the proposal to the queue as
an item, waits for the decision, and resumes the graph with ``Command(resume=...)``. The item's
``external_id`` is made from the thread id and the interrupt id, both kept by the graph's
checkpointer, so a process that stopped while waiting can call :meth:`ReviewedGraph.resume` after a
restart: the resubmission finds the same item (submissions are idempotent by ``external_id``) and the
graph resumes with its decision. Needs ``pip install ./clients/python[langgraph]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from langgraph.types import Command, Interrupt, interrupt

from countersign.client import Client
from countersign.items import Ai, Item, NewItem

#: The key of the interrupt value that marks an interrupt as a Countersign review request.
INTERRUPT_KEY = "countersign_review"


@dataclass(frozen=True)
class Review:
    """A person's answer to a proposal, as the node receives it.

    ``status`` is the item's final status (``decided``, ``auto_approved``, or ``cancelled`` when the
    producer withdrew it); ``outcome`` is ``approved``, ``approved_with_edits``, ``rejected`` or
    ``None`` (cancelled). ``action``, ``by``, ``correction``, ``note`` and ``reason_code`` are those
    of the last decision (``None`` when nobody decided: auto-approved or cancelled).
    """

    item_id: str
    status: str
    outcome: str | None
    action: str | None
    by: str | None
    correction: Any
    note: str | None
    reason_code: str | None

    @property
    def approved(self) -> bool:
        """True when the proposal may go ahead, as proposed or as corrected."""
        return self.outcome in ("approved", "approved_with_edits")

    def output(self, proposed: Any) -> Any:
        """What to act on: the person's correction when they edited, else ``proposed``."""
        return self.correction if self.outcome == "approved_with_edits" else proposed

    @classmethod
    def from_item(cls, item: Item) -> Review:
        last = item.last_decision
        return cls(
            item_id=item.id,
            status=item.status,
            outcome=item.outcome,
            action=last.action if last else None,
            by=last.by if last else None,
            correction=item.correction,
            note=last.note if last else None,
            reason_code=last.reason_code if last else None,
        )


def request_review(
    kind: str,
    title: str,
    ai: Ai,
    payload: dict[str, Any] | None = None,
    priority: int | None = None,
    due_at: str | None = None,
) -> Review:
    """Call inside a graph node: pauses the graph until a person decided on the proposal.

    The arguments are those of :class:`~countersign.NewItem` (the external id is made for you). Like
    every LangGraph ``interrupt()``, the node runs again from its start when the graph resumes, so
    the code before this call must be safe to repeat.
    """
    proposal = NewItem(
        external_id="", kind=kind, title=title, ai=ai, payload=payload or {}, priority=priority, due_at=due_at
    )
    body = proposal.to_json()
    del body["external_id"]
    return Review(**interrupt({INTERRUPT_KEY: body}))


class ReviewedGraph:
    """Runs a compiled graph whose nodes call :func:`request_review`, answering each with a
    Countersign decision. The graph needs a checkpointer (a durable one to survive restarts) and
    every call a ``config`` with ``{"configurable": {"thread_id": ...}}``.

    ``wait_timeout`` bounds each wait for a decision; when it passes,
    :class:`~countersign.DecisionTimeout` is raised with the item's id, the graph stays paused, and
    :meth:`resume` continues later, from this process or another.
    """

    def __init__(self, graph: Pregel[Any, Any, Any, Any], client: Client, wait_timeout: float) -> None:
        self._graph = graph
        self._client = client
        self._wait_timeout = wait_timeout

    def run(self, graph_input: Any, config: RunnableConfig) -> Any:
        """Starts the graph with ``graph_input`` and runs it to its end; returns the final state."""
        return self._answer_reviews(self._graph.invoke(graph_input, config), config)

    def resume(self, config: RunnableConfig) -> Any:
        """Continues a thread paused at review requests (after a timeout or a restart)."""
        return self._answer_reviews(self._graph.get_state(config).values, config)

    def _answer_reviews(self, state: Any, config: RunnableConfig) -> Any:
        while True:
            requests = [i for i in self._graph.get_state(config).interrupts if _is_review_request(i)]
            if not requests:
                return state
            thread_id = config.get("configurable", {})["thread_id"]
            # Every request is submitted before the first wait, so people see them all at once.
            items = [
                self._client.submit(
                    NewItem.from_json({**r.value[INTERRUPT_KEY], "external_id": f"langgraph:{thread_id}:{r.id}"})
                ).item
                for r in requests
            ]
            answers = {
                r.id: asdict(Review.from_item(self._client.wait_for_decision(item.id, self._wait_timeout)))
                for r, item in zip(requests, items, strict=True)
            }
            state = self._graph.invoke(Command(resume=answers), config)


def _is_review_request(pending: Interrupt) -> bool:
    return isinstance(pending.value, dict) and INTERRUPT_KEY in pending.value
