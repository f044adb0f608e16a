"""Kinds as data through the SDK against a real queue: register a kind, then the queue validates
submissions against its schemas and refuses a reject reason the kind does not list."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Queue, Reviewer
from countersign import Ai, Client, CountersignError, NewItem


def support_reply_spec() -> dict[str, Any]:
    """A small support-reply kind: a conversation in, a reply draft out."""
    return {
        "label": "Support reply",
        "plural": "Support replies",
        "payload_schema": {
            "type": "object",
            "required": ["customer", "conversation"],
            "properties": {
                "customer": {"type": "string"},
                "conversation": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["author", "text"],
                        "properties": {"author": {"type": "string"}, "text": {"type": "string"}},
                    },
                },
            },
        },
        "output_schema": {
            "type": "object",
            "required": ["reply"],
            "properties": {"reply": {"type": "string", "maxLength": 2000}},
        },
        "hints": {"editable": [{"pointer": "/ai/output/reply", "label": "Reply", "format": "text"}]},
        "reason_codes": [
            {"code": "wrong_answer", "label": "Wrong answer"},
            {"code": "other", "label": "Other"},
        ],
    }


def reply(kind: str, payload: dict[str, Any], output: Any) -> NewItem:
    return NewItem(
        external_id=f"sdk-{uuid.uuid4()}",
        kind=kind,
        title="Where is my parcel?",
        payload=payload,
        ai=Ai(output=output, confidence=0.7, risk="medium", model="support-llm"),
    )


@pytest.fixture
def admin(queue: Queue) -> Client:
    return Client(queue.url, queue.admin_token)


def test_a_registered_kind_validates_submissions(client: Client, admin: Client) -> None:
    kind = f"sdk_reply_{uuid.uuid4().hex[:8]}"
    registered = admin.register_kind(kind, support_reply_spec())
    assert registered.kind == kind
    assert registered.revision == 1
    assert registered.reason_codes == ["wrong_answer", "other"]
    assert kind in [listed.kind for listed in admin.kinds()]

    good = {"customer": "C-1", "conversation": [{"author": "customer", "text": "Where is it?"}]}
    assert client.submit(reply(kind, good, {"reply": "It ships today."})).created

    bad = {"customer": "C-1", "conversation": [{"author": "customer"}]}
    with pytest.raises(CountersignError) as refused:
        client.submit(reply(kind, bad, {"reply": "It ships today."}))
    assert refused.value.status == 422
    assert "/conversation/0" in refused.value.message

    with pytest.raises(CountersignError) as refused_output:
        client.submit(reply(kind, good, {"reply": 42}))
    assert refused_output.value.status == 422
    assert "/reply" in refused_output.value.message

    again = admin.register_kind(kind, support_reply_spec())
    assert again.revision == 2


def test_only_an_admin_registers_kinds(client: Client) -> None:
    with pytest.raises(CountersignError) as refused:
        client.register_kind(f"sdk_reply_{uuid.uuid4().hex[:8]}", support_reply_spec())
    assert refused.value.status == 403


def test_a_schema_that_is_not_json_schema_is_refused(admin: Client) -> None:
    spec = support_reply_spec()
    spec["output_schema"] = {"type": "no-such-type"}
    kind = f"sdk_reply_{uuid.uuid4().hex[:8]}"
    with pytest.raises(CountersignError) as refused:
        admin.register_kind(kind, spec)
    assert refused.value.status == 422
    assert kind not in [listed.kind for listed in admin.kinds()]


def test_a_reject_reason_outside_the_kind_is_refused(client: Client, admin: Client, reviewer: Reviewer) -> None:
    kind = f"sdk_reply_{uuid.uuid4().hex[:8]}"
    admin.register_kind(kind, support_reply_spec())
    payload = {"customer": "C-2", "conversation": [{"author": "customer", "text": "Refund?"}]}
    item = client.submit(reply(kind, payload, {"reply": "No."})).item

    refused = reviewer.push(item.id, "reject", reason_code="false_positive")
    assert refused["status"] == "rejected", refused
    assert client.get(item.id).status == "pending"

    reviewer.decide(item.id, "reject", reason_code="wrong_answer")
    decided = client.get(item.id)
    assert decided.status == "decided"
    assert decided.outcome == "rejected"
