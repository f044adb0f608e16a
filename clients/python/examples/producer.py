"""An example producer: submits one proposal for review and waits for the human decision.

    COUNTERSIGN_URL=http://127.0.0.1:8080 COUNTERSIGN_TOKEN=cs_… python clients/python/examples/producer.py

The token is a producer's: ``countersign-queue user add my-model --role producer`` prints one.
"""

import os
import sys

from countersign import Ai, Client, CountersignError, DecisionTimeout, Evidence, NewItem


def main() -> int:
    item = NewItem(
        external_id="example-txn-0001",
        kind="transaction",
        title="Card payment EUR 4,980 at an electronics retailer",
        payload={"amount": 4980, "currency": "EUR", "merchant": "Voltmarkt"},
        ai=Ai(
            output={"verdict": "block"},
            confidence=0.62,
            risk="medium",
            model="fraud-gbm-v7",
            reasoning="Seven payments in 24 hours at new merchants.",
            evidence=[Evidence(label="Card history", text="First purchase abroad", source="ledger")],
        ),
    )
    with Client(os.environ["COUNTERSIGN_URL"], os.environ["COUNTERSIGN_TOKEN"]) as cs:
        try:
            submitted = cs.submit(item)
        except CountersignError as error:
            print(f"refused: {error.code}: {error.message}", file=sys.stderr)
            return 1
        print(f"{'submitted' if submitted.created else 'already submitted'}: {submitted.item.id}")
        try:
            decided = cs.wait_for_decision(submitted.item.id, timeout=float(os.environ.get("WAIT", "600")))
        except DecisionTimeout:
            print("still waiting for a reviewer; run again later (the submission is idempotent)")
            return 2
        print(f"status {decided.status}, outcome {decided.outcome}")
        for decision in decided.decisions:
            print(f"  {decision.by}: {decision.action} {decision.correction or ''} {decision.note or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
