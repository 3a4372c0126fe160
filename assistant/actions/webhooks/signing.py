"""A webhook's body and its signature: what a receiver checks (docs/actions.md has receivers that do).

The body is made once, when the delivery is queued, and stored: every try sends the same bytes with the same
`deliveryId`, so a receiver can verify the signature over the raw bytes and drop a delivery it has already had.
"""

import hashlib
import hmac
import json
import secrets

SIGNATURE_PREFIX = "sha256="
SECRET_BYTES = 32  # a generated secret: 256 random bits, URL-safe text (43 characters)


def new_secret():
    """A rule's signing secret, when the user gives none (shown to them once)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def delivery_body(delivery_id, rule_id, username, event, ts_ms):
    """The POST's body: compact JSON `{deliveryId, ruleId, username, event, ts}`, ASCII only (a receiver that
    decodes and re-encodes it gets the same bytes), as UTF-8 bytes."""
    document = {"deliveryId": delivery_id, "ruleId": rule_id, "username": username, "event": event, "ts": ts_ms}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def signature(secret, body):
    """`sha256=<hex HMAC-SHA256 of body under secret>` (the secret as UTF-8), the X-Live-Assistant-Signature."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest
