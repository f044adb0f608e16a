"""Countersign: send an AI system's proposals to people for review, and get their decisions back.

The wire contract is ``docs/protocol.md`` in the Countersign repository.
"""

from countersign.client import Client, Submission
from countersign.errors import CountersignError, DecisionTimeout
from countersign.items import Ai, Decision, Evidence, Item, NewItem, Signal
from countersign.kinds import KindDefinition
from countersign.webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "Ai",
    "Client",
    "CountersignError",
    "Decision",
    "DecisionTimeout",
    "Evidence",
    "Item",
    "KindDefinition",
    "NewItem",
    "Signal",
    "Submission",
    "WebhookVerificationError",
    "verify_webhook",
]
