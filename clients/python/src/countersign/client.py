"""The producer's client of the queue service (``docs/protocol.md``, "Items")."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from countersign.errors import CountersignError, DecisionTimeout
from countersign.items import Item, NewItem
from countersign.kinds import KindDefinition


@dataclass(frozen=True)
class Submission:
    """The answer to a submission: ``created`` is False when this ``external_id`` was already
    submitted, and ``item`` is then the stored item, unchanged (HTTP 200 rather than 201)."""

    item: Item
    created: bool


class Client:
    """A producer's connection to a Countersign queue.

    ``base_url`` is the service root (``http://host:port``), ``token`` a producer's bearer token
    (``cs_…``), ``timeout`` the per-request timeout in seconds. Use it as a context manager, or call
    :meth:`close`. Every refusal raises :class:`~countersign.CountersignError` with the queue's code.
    """

    def __init__(self, base_url: str, token: str, timeout: float = 20.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            # The queue never redirects; following one would send the token elsewhere.
            follow_redirects=False,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def submit(self, item: NewItem) -> Submission:
        """Submits an item for review (``POST /v1/items``).

        Idempotent by ``external_id``: submitting the same ``external_id`` again (after a lost
        answer, or a restart) returns the item already stored, unchanged, with ``created`` False.
        """
        response = self._request("POST", "/v1/items", json=item.to_json())
        return Submission(item=Item.from_json(response.json()), created=response.status_code == 201)

    def get(self, item_id: str) -> Item:
        """Reads one of this producer's items (``GET /v1/items/{id}``); 404 ``not_found`` otherwise."""
        return Item.from_json(self._request("GET", f"/v1/items/{item_id}").json())

    def cancel(self, item_id: str) -> Item:
        """Withdraws a pending item (``POST /v1/items/{id}/cancel``).

        Cancelling a cancelled item returns it again; a decided or auto-approved item raises
        :class:`~countersign.CountersignError` with code ``not_pending`` (409).
        """
        return Item.from_json(self._request("POST", f"/v1/items/{item_id}/cancel").json())

    def register_kind(self, kind: str, spec: Mapping[str, Any]) -> KindDefinition:
        """Registers or replaces a kind (``PUT /v1/kinds/{kind}``; needs an admin token).

        ``spec`` holds ``label``, ``plural``, ``payload_schema`` and ``output_schema`` (JSON Schemas),
        ``hints``, ``reason_codes`` and ``defaults``, as ``docs/protocol.md`` ("Kinds") spells them.
        From then on the queue validates every submission of that kind against the schemas and
        refuses a reject reason the kind does not list. A schema that is not valid JSON Schema, or a
        re-registration that would make items already queued invalid, raises
        :class:`~countersign.CountersignError` and changes nothing.
        """
        response = self._request("PUT", f"/v1/kinds/{kind}", json=dict(spec))
        return KindDefinition.from_json(response.json())

    def kinds(self) -> list[KindDefinition]:
        """Every registered kind (``GET /v1/kinds``)."""
        listed = self._request("GET", "/v1/kinds").json()["kinds"]
        return [KindDefinition.from_json(entry) for entry in listed]

    def wait_for_decision(
        self, item_id: str, timeout: float, poll_interval: float = 0.25, max_interval: float = 5.0
    ) -> Item:
        """Waits until the item is final (decided, auto-approved or cancelled) and returns it.

        Listens to the queue's event stream (``GET /v1/events``: an ``items`` event when one of this
        producer's items is decided) and reads the item at each event, so a decision is seen at once;
        it also reads the item every ``poll_interval`` seconds, doubling up to ``max_interval``, so a
        stream that cannot be opened or breaks (a proxy, an older queue) only makes it slower. A
        connection failure or a 5xx answer (the queue restarting, its database briefly away) is
        retried like a pending item; a 4xx (a wrong token, an unknown item) raises at once. Raises
        :class:`~countersign.DecisionTimeout` when ``timeout`` seconds pass first, chained to the
        last transient failure if there was one; the item stays in the queue, and waiting again
        later is safe. Check ``item.status``: a ``cancelled`` item has no outcome.
        """
        deadline = time.monotonic() + timeout
        interval = poll_interval
        last_failure: Exception | None = None
        with _EventListener(self._http) as events:
            while True:
                events.changed.clear()
                try:
                    item = self.get(item_id)
                    if item.is_final:
                        return item
                    last_failure = None
                except httpx.TransportError as failure:
                    last_failure = failure
                except CountersignError as refusal:
                    if refusal.status < 500:
                        raise
                    last_failure = refusal
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DecisionTimeout(item_id, timeout) from last_failure
                events.changed.wait(min(interval, remaining))
                interval = min(interval * 2, max_interval)

    def _request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        response = self._http.request(method, path, json=json)
        if response.is_success:
            return response
        raise _error_from(response)


class _EventListener:
    """Reads the producer's event stream on a daemon thread and sets ``changed`` at each ``items``
    event (``docs/protocol.md``, "Events"). Best effort: when the stream cannot be opened or breaks,
    the thread ends and the waiter goes on polling. Leaving the ``with`` block stops it at the next
    line the queue sends (a keep-alive comment comes at least every 15 seconds)."""

    def __init__(self, http: httpx.Client) -> None:
        self.changed = threading.Event()
        self._stop = threading.Event()
        self._http = httpx.Client(
            base_url=http.base_url,
            headers=http.headers,
            timeout=httpx.Timeout(10.0, read=60.0),
            follow_redirects=False,
        )
        self._thread = threading.Thread(target=self._listen, name="countersign-events", daemon=True)

    def __enter__(self) -> _EventListener:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()

    def _listen(self) -> None:
        try:
            with self._http.stream("GET", "/v1/events") as response:
                if not response.is_success:
                    return
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.strip() == "event: items":
                        self.changed.set()
        except httpx.HTTPError:
            return
        finally:
            self._http.close()


def _error_from(response: httpx.Response) -> CountersignError:
    """The typed error of a refusal; a body without the error shape (a proxy's page) still
    yields an error carrying the status, with code ``unexpected_response``."""
    try:
        error = response.json()["error"]
        return CountersignError(response.status_code, str(error["code"]), str(error["message"]))
    except (ValueError, KeyError, TypeError):
        return CountersignError(response.status_code, "unexpected_response", response.text[:500])
