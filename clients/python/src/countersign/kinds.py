"""Kinds as data (``docs/protocol.md``, "Kinds"): what a kind of work looks like and how it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KindDefinition:
    """A registered kind. ``spec`` is the registration as sent (``label``, ``plural``,
    ``payload_schema``, ``output_schema``, ``hints``, ``reason_codes``, ``defaults``), as the queue
    stores it; ``revision`` grows by one at each registration of the kind."""

    kind: str
    revision: int
    updated_at: str
    spec: dict[str, Any]

    @property
    def reason_codes(self) -> list[str]:
        """The codes a reject of this kind may carry."""
        return [str(reason["code"]) for reason in self.spec.get("reason_codes", [])]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KindDefinition:
        spec = {key: value for key, value in data.items() if key not in ("kind", "revision", "updated_at")}
        return cls(
            kind=str(data["kind"]),
            revision=int(data["revision"]),
            updated_at=str(data["updated_at"]),
            spec=spec,
        )
