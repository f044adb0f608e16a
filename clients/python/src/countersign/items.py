"""The wire types of ``docs/protocol.md`` ("Items") as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Risk = Literal["low", "medium", "high", "critical"]
Status = Literal["auto_approved", "pending", "decided", "cancelled"]
Outcome = Literal["approved", "approved_with_edits", "rejected"]
Action = Literal["approve", "approve_with_edits", "reject", "escalate"]

#: Statuses after which an item never changes again (cancelled included).
FINAL_STATUSES: frozenset[str] = frozenset({"auto_approved", "decided", "cancelled"})


@dataclass(frozen=True)
class Signal:
    """One feature the model weighed: ``value`` is any JSON."""

    name: str
    value: Any
    weight: float | None = None


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence shown to the reviewer."""

    label: str
    text: str
    source: str | None = None


@dataclass(frozen=True)
class Ai:
    """What the AI proposes: ``output`` (any JSON but ``None``) is what a person reviews."""

    output: Any
    confidence: float
    risk: Risk
    model: str | None = None
    reasoning: str | None = None
    signals: list[Signal] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class NewItem:
    """A submission (``POST /v1/items``). ``external_id`` makes it idempotent per producer."""

    external_id: str
    kind: str
    title: str
    ai: Ai
    payload: dict[str, Any] = field(default_factory=dict)
    priority: int | None = None
    due_at: str | None = None
    callback_url: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NewItem:
        """The inverse of :meth:`to_json`."""
        ai = data["ai"]
        return cls(
            external_id=data["external_id"],
            kind=data["kind"],
            title=data["title"],
            payload=data.get("payload", {}),
            ai=Ai(
                output=ai["output"],
                confidence=ai["confidence"],
                risk=ai["risk"],
                model=ai.get("model"),
                reasoning=ai.get("reasoning"),
                signals=[Signal(**s) for s in ai.get("signals", [])],
                evidence=[Evidence(**e) for e in ai.get("evidence", [])],
            ),
            priority=data.get("priority"),
            due_at=data.get("due_at"),
            callback_url=data.get("callback_url"),
        )

    def to_json(self) -> dict[str, Any]:
        """The request body, leaving out optional fields that were not given."""
        ai: dict[str, Any] = {
            "output": self.ai.output,
            "confidence": self.ai.confidence,
            "risk": self.ai.risk,
            "signals": [_without_none(vars(s), "weight") for s in self.ai.signals],
            "evidence": [_without_none(vars(e), "source") for e in self.ai.evidence],
        }
        if self.ai.model is not None:
            ai["model"] = self.ai.model
        if self.ai.reasoning is not None:
            ai["reasoning"] = self.ai.reasoning
        body: dict[str, Any] = {
            "external_id": self.external_id,
            "kind": self.kind,
            "title": self.title,
            "payload": self.payload,
            "ai": ai,
        }
        for key in ("priority", "due_at", "callback_url"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        return body


@dataclass(frozen=True)
class Decision:
    """One applied decision on an item, in order (``Item.decisions``)."""

    by: str
    action: Action
    at: str
    correction: Any = None
    reason_code: str | None = None
    note: str | None = None
    #: For ``approve_with_edits``: the RFC 6902 patch that turns ``ai.output`` into ``correction``.
    patch: list[dict[str, Any]] | None = None
    #: Why the reviewer decided so, in their words.
    rationale: str | None = None
    #: The decision's labels.
    tags: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        return cls(
            by=data["by"],
            action=data["action"],
            at=data["at"],
            correction=data.get("correction"),
            reason_code=data.get("reason_code"),
            note=data.get("note"),
            patch=data.get("patch"),
            rationale=data.get("rationale"),
            tags=tuple(data.get("tags") or ()),
        )


@dataclass(frozen=True)
class Item:
    """An item as the queue returns it. ``raw`` keeps the whole JSON, fields added later included."""

    id: str
    external_id: str
    kind: str
    title: str
    status: Status
    outcome: Outcome | None
    route: str
    decisions: list[Decision]
    raw: dict[str, Any]

    @property
    def is_final(self) -> bool:
        """True once the item can no longer change: decided, auto-approved or cancelled."""
        return self.status in FINAL_STATUSES

    @property
    def last_decision(self) -> Decision | None:
        """The latest decision, or None when nobody decided (pending, auto-approved, cancelled)."""
        return self.decisions[-1] if self.decisions else None

    @property
    def correction(self) -> Any:
        """The person's version of ``ai.output`` when the outcome is ``approved_with_edits``: the
        last correction made (a second approver approves the first approver's edits as they are)."""
        return next((d.correction for d in reversed(self.decisions) if d.correction is not None), None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        return cls(
            id=data["id"],
            external_id=data["external_id"],
            kind=data["kind"],
            title=data["title"],
            status=data["status"],
            outcome=data.get("outcome"),
            route=data["route"],
            decisions=[Decision.from_json(d) for d in data.get("decisions", [])],
            raw=data,
        )


def _without_none(fields: dict[str, Any], optional: str) -> dict[str, Any]:
    # Only the optional field is left out when unset: a signal's value may itself be JSON null.
    return {k: v for k, v in fields.items() if not (k == optional and v is None)}
