"""Typed errors: every refusal of the queue carries ``{"error": {"code", "message"}}``."""

from __future__ import annotations


class CountersignError(Exception):
    """The queue refused a request.

    ``code`` is the stable snake_case code of ``docs/protocol.md`` ("Errors"): branch on it, never on
    ``message``, which is a sentence for a person. ``status`` is the HTTP status.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class DecisionTimeout(TimeoutError):
    """No final outcome arrived within the time given; the item is still in the queue."""

    def __init__(self, item_id: str, timeout: float) -> None:
        super().__init__(f"item {item_id} had no decision after {timeout} s")
        self.item_id = item_id
        self.timeout = timeout
