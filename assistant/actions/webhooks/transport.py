"""The HTTP client webhooks are sent with: httpx's sync client (green under eventlet's monkey patching) whose
connections go only to addresses checked at the moment of connecting (addresses.py).

httpx resolves a host itself when it opens a connection; a name checked when the rule was saved could by then
resolve to the server's own network (DNS rebinding). Here the connection pool's network backend receives the
URL's host, resolves and checks it (`allowed_addresses`) and connects to one of the addresses it returned. The
rest of httpx is unchanged: the Host header and TLS (SNI and the certificate's check) use the URL's name, and
connections are pooled per name, so a kept-alive connection is one that was checked when it was opened.
No proxy from the environment (it would connect in our place, unchecked), no redirects followed.
"""

import httpcore
import httpx

from .addresses import allowed_addresses, resolve

USER_AGENT = "LiveAssistant-Webhooks"
DEFAULT_LIMITS = httpx.Limits()


class CheckedBackend(httpcore.SyncBackend):
    """Connects to the checked addresses of a host, in the resolver's order, until one answers."""

    def __init__(self, allow_private=False, resolver=resolve):
        self.allow_private = allow_private
        self.resolver = resolver

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        failure = None
        for address in allowed_addresses(host, port, self.allow_private, self.resolver):  # raises WebhookUrlError
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as ex:
                failure = ex
        raise failure


class CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport, its connection pool made with the CheckedBackend (httpx has no argument for a
    network backend; the pool is made here as HTTPTransport makes it without a proxy)."""

    def __init__(self, allow_private=False, resolver=resolve, verify=True, limits=DEFAULT_LIMITS):
        super().__init__(verify=verify, limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(allow_private, resolver),
        )


def make_client(timeout, allow_private=False, resolver=resolve, verify=True, max_connections=32):
    """The client a dispatcher sends with: `timeout` seconds for each of connect, write, read and pool."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                          keepalive_expiry=30)
    return httpx.Client(transport=CheckedTransport(allow_private, resolver, verify, limits), timeout=timeout,
                        follow_redirects=False, trust_env=False, headers={"User-Agent": USER_AGENT})
