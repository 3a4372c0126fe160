"""Webhooks of the actions (docs/actions.md#webhooks): signed POSTs of an event, queued in the database,
retried with backoff for a day, sent at least once, only to addresses outside the server's network.

- addresses.py: which URLs and addresses a webhook may reach (`check_webhook_url`, SSRF);
- signing.py: the body and its HMAC signature, a rule's secret;
- transport.py: the httpx client that connects only to the address it checked;
- queue.py: the deliveries' table as a queue (claims, results, a rule's list, pruning);
- retries.py: when a failed delivery is tried again, and when it is dead;
- sender.py: one try; dispatcher.py: `Webhooks`, the green threads that send.
"""

from .addresses import WebhookUrlError, check_webhook_url
from .dispatcher import Webhooks
from .retries import RetryPolicy
from .signing import new_secret, signature

__all__ = ["RetryPolicy", "WebhookUrlError", "Webhooks", "check_webhook_url", "new_secret", "signature"]
