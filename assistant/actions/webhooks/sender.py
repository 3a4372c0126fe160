"""One try of one delivery: the POST, and what came of it. Never raises: every failure is an Outcome."""

from dataclasses import dataclass

import eventlet
import httpx

from .addresses import WebhookUrlError
from .signing import signature

DELIVERY_HEADER = "X-Live-Assistant-Delivery"
SIGNATURE_HEADER = "X-Live-Assistant-Signature"
MAX_ANSWER_BYTES = 64 * 1024  # read (and dropped) so that the connection can be kept; a longer answer closes it


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None  # the receiver's HTTP status, None when it gave none
    error: str | None = None  # why it failed, one line


def headers(delivery_id, secret, body):
    return {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id,
            SIGNATURE_HEADER: signature(secret, body)}


def send(client, delivery, timeout):
    """POST `delivery` ({id, url, body, secret}) with `client` (transport.make_client); a 2xx within `timeout`
    seconds, all told, is delivered. A 3xx is a failure: redirects are not followed."""
    if not delivery["secret"]:
        return Outcome(False, None, "the rule has no webhook secret")
    body = delivery["body"].encode("utf-8")
    sent_headers = headers(delivery["id"], delivery["secret"], body)
    deadline = eventlet.Timeout(timeout)  # all told: httpx's timeout is per connect, write or read
    try:
        with deadline, client.stream("POST", delivery["url"], content=body, headers=sent_headers) as answer:
            received = 0
            for chunk in answer.iter_raw():
                received += len(chunk)
                if received > MAX_ANSWER_BYTES:
                    break
            status = answer.status_code
    except eventlet.Timeout as ex:
        if ex is not deadline:
            raise
        return Outcome(False, None, f"no answer within {timeout:g} s")
    except httpx.TimeoutException:
        return Outcome(False, None, f"no answer within {timeout:g} s")
    except WebhookUrlError as ex:
        return Outcome(False, None, f"refused: {ex}")
    except httpx.HTTPError as ex:
        return Outcome(False, None, f"{type(ex).__name__}: {ex}" if str(ex) else type(ex).__name__)
    if 200 <= status < 300:
        return Outcome(True, status)
    if 300 <= status < 400:
        return Outcome(False, status, f"HTTP {status}: a redirect (webhooks do not follow redirects)")
    return Outcome(False, status, f"HTTP {status}")
