"""The SDK against a real queue service (see conftest.py), on every configured database."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import httpx
import pytest

from conftest import Queue, Reviewer, WebhookReceiver
from countersign import (
    Ai,
    Client,
    CountersignError,
    DecisionTimeout,
    Item,
    NewItem,
    WebhookVerificationError,
    verify_webhook,
)


def proposal(
    callback_url: str | None = None, title: str = "Card payment EUR 4,980", confidence: float = 0.8
) -> NewItem:
    """A medium-risk transaction the built-in policy routes to review."""
    return NewItem(
        external_id=f"sdk-{uuid.uuid4()}",
        kind="transaction",
        title=title,
        payload={"amount": 4980, "currency": "EUR"},
        ai=Ai(output={"verdict": "block"}, confidence=confidence, risk="medium", model="fraud-gbm-v7"),
        callback_url=callback_url,
    )


def test_submit_is_idempotent_by_external_id(client: Client) -> None:
    first = proposal()
    created = client.submit(first)
    assert created.created
    assert created.item.status == "pending"
    assert created.item.external_id == first.external_id

    again = client.submit(NewItem(**{**vars(first), "title": "a different title"}))
    assert not again.created
    assert again.item.id == created.item.id
    assert again.item.title == first.title
    assert client.get(created.item.id).raw == created.item.raw


def test_invalid_submission_is_a_typed_error(client: Client) -> None:
    with pytest.raises(CountersignError) as refused:
        client.submit(proposal(confidence=1.5))
    assert refused.value.status == 422
    assert refused.value.code == "invalid_item"
    assert "confidence" in refused.value.message


def test_unknown_item_is_not_found(client: Client) -> None:
    with pytest.raises(CountersignError) as refused:
        client.get(str(uuid.uuid4()))
    assert (refused.value.status, refused.value.code) == (404, "not_found")


def test_wrong_token_is_unauthorized(queue: Queue) -> None:
    with Client(queue.url, "cs_not-a-token") as stranger, pytest.raises(CountersignError) as refused:
        stranger.submit(proposal())
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")


def test_wait_for_decision_returns_the_reviewers_decision(client: Client, reviewer: Reviewer) -> None:
    item = client.submit(proposal()).item
    # The reviewer decides while the producer is already waiting.
    deciding = threading.Thread(
        target=reviewer.decide,
        args=(item.id, "approve_with_edits"),
        kwargs={
            "correction": {"verdict": "allow"},
            "note": "known customer",
            "rationale": "seen before",
            "tags": ["vip"],
        },
    )
    deciding.start()
    decided = client.wait_for_decision(item.id, timeout=60)
    deciding.join()
    assert decided.status == "decided"
    assert decided.outcome == "approved_with_edits"
    assert [(d.by, d.action, d.correction, d.note) for d in decided.decisions] == [
        ("sdk-reviewer", "approve_with_edits", {"verdict": "allow"}, "known customer")
    ]
    # The queue computed the patch from the whole correction, and kept the reason and tags.
    decision = decided.decisions[0]
    assert decision.patch is not None and {"op": "replace", "path": "/verdict", "value": "allow"} in decision.patch
    assert (decision.rationale, decision.tags) == ("seen before", ("vip",))


def test_wait_for_decision_times_out_and_leaves_the_item_pending(client: Client) -> None:
    item = client.submit(proposal()).item
    with pytest.raises(DecisionTimeout) as waited:
        client.wait_for_decision(item.id, timeout=0.5)
    assert waited.value.item_id == item.id
    assert client.get(item.id).status == "pending"


def test_wait_for_decision_outlasts_an_unreachable_queue_and_says_why_it_gave_up() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    with Client(f"http://127.0.0.1:{closed_port}", "cs_unused") as unreachable:
        with pytest.raises(DecisionTimeout) as waited:
            unreachable.wait_for_decision(str(uuid.uuid4()), timeout=0.5)
    assert isinstance(waited.value.__cause__, httpx.ConnectError)


def test_wait_for_decision_raises_a_refusal_at_once(queue: Queue) -> None:
    with Client(queue.url, "cs_not-a-token") as stranger, pytest.raises(CountersignError) as refused:
        stranger.wait_for_decision(str(uuid.uuid4()), timeout=60)
    assert refused.value.code == "unauthorized"


def test_cancel(client: Client, reviewer: Reviewer) -> None:
    item = client.submit(proposal()).item
    cancelled = client.cancel(item.id)
    assert cancelled.status == "cancelled"
    assert cancelled.outcome is None
    assert client.cancel(item.id).status == "cancelled"
    assert client.wait_for_decision(item.id, timeout=5).status == "cancelled"

    decided = client.submit(proposal()).item
    reviewer.decide(decided.id, "reject", reason_code="duplicate")
    with pytest.raises(CountersignError) as refused:
        client.cancel(decided.id)
    assert (refused.value.status, refused.value.code) == (409, "not_pending")
    assert client.get(decided.id).outcome == "rejected"


def test_webhook_delivery_verifies_and_a_tampered_one_is_refused(
    queue: Queue, client: Client, reviewer: Reviewer, webhook_receiver: WebhookReceiver
) -> None:
    secret = queue.cli("webhook-secret")
    item = client.submit(proposal(callback_url=webhook_receiver.url)).item
    reviewer.decide(item.id, "approve")
    delivery = webhook_receiver.deliveries.get(timeout=60)

    delivered = verify_webhook(delivery.body, delivery.headers, secret)
    assert delivered.id == item.id
    assert delivered.status == "decided"
    assert delivered.outcome == "approved"
    assert delivery.headers["webhook-id"].startswith("msg_")

    tampered = delivery.body.replace(b'"approved"', b'"rejected"')
    assert tampered != delivery.body
    with pytest.raises(WebhookVerificationError):
        verify_webhook(tampered, delivery.headers, secret)
    other_secret = "whsec_" + "A" * 43 + "="
    with pytest.raises(WebhookVerificationError):
        verify_webhook(delivery.body, delivery.headers, other_secret)


def test_wait_for_decision_wakes_on_the_event_stream(client: Client, reviewer: Reviewer) -> None:
    item = client.submit(proposal()).item
    results: list[Item] = []
    # Polling alone would read the item at 0 s and next after an hour: only the queue's `items`
    # event can wake the waiter before the join below gives up.
    waiter = threading.Thread(
        target=lambda: results.append(client.wait_for_decision(item.id, timeout=3600, poll_interval=3600)),
        daemon=True,
    )
    waiter.start()
    time.sleep(1)  # the waiter has read the item (pending) and is listening
    reviewer.decide(item.id, "approve")
    waiter.join(timeout=60)
    assert not waiter.is_alive(), "the decision's event did not wake the waiter"
    assert [decided.outcome for decided in results] == ["approved"]
