"""Verifying the queue's webhooks (``docs/protocol.md``, "Webhooks"), signed per Standard Webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import standardwebhooks

from countersign.items import Item

#: Raised when a delivery's signature, headers or timestamp do not check out.
WebhookVerificationError = standardwebhooks.WebhookVerificationError


def verify_webhook(payload: bytes | str, headers: Mapping[str, str], secret: str) -> Item:
    """Verifies one webhook delivery and returns the item it carries.

    ``payload`` is the request body exactly as received (verify before parsing: re-serialised JSON
    no longer matches the signature), ``headers`` the request headers (any case), ``secret`` the
    queue's ``whsec_…`` secret (``countersign-queue webhook-secret`` prints it). Raises
    :data:`WebhookVerificationError` on a bad signature, a missing header or a timestamp more than
    five minutes off. Delivery is at least once: deduplicate by the ``webhook-id`` header.
    """
    body: dict[str, Any] = standardwebhooks.Webhook(secret).verify(payload, dict(headers))
    return Item.from_json(body["item"])
