"""Where a webhook may go: the URL's form, and the addresses its host resolves to (server-side request forgery).

A rule's URL is typed by a user of the dashboard, and the server POSTs to it: without these checks anyone with
a login could make the server call its own admin ports, the LAN behind it, or the cloud's metadata service (its
credentials). A host is refused when it, or ANY address its name resolves to, is loopback, private,
link-local, shared (100.64/10), multicast, reserved, unspecified or otherwise not globally routable; IPv6
forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are judged by that address too.
WEBHOOK_ALLOW_PRIVATE (for tests and LAN receivers) allows those, but never the cloud metadata services.

The check runs twice: when a rule is saved (`check_webhook_url`), and at every connection (transport.py
calls `allowed_addresses` and connects to the address it returned), so a name that resolves elsewhere
later (DNS rebinding) is caught when it matters.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_CHARS = 2048
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Cloud metadata services (credentials of the machine): AWS, GCP, Azure, OpenStack, DigitalOcean (169.254.169.254),
# AWS over IPv6 (fd00:ec2::254), Alibaba (100.100.100.200), Oracle (192.0.0.192), Azure's wire server.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192", "168.63.129.16",
))
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.internal", "metadata.tencentyun.com",
})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class WebhookUrlError(ValueError):
    """A webhook URL that is refused; the message is one line, fit for a 400 answer."""


def resolve(host, port):
    """Every address `host` resolves to (the system's resolver; green under eventlet's monkey patching)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as ex:
        raise WebhookUrlError(f"the webhook's host {host!r} cannot be resolved") from ex
    return list(dict.fromkeys(info[4][0] for info in found))


def _embedded_ipv4(address):
    """The IPv4 addresses an IPv6 address carries (mapped, NAT64, 6to4, Teredo's server and client)."""
    if address.version != 6:
        return []
    carried = [address.ipv4_mapped, address.sixtofour]
    if address in _NAT64:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.teredo:
        carried.extend(address.teredo)
    return [item for item in carried if item is not None]


def refusal(address, allow_private=False):
    """What makes `address` (text or an ipaddress object) refused, as "a loopback address"..., or None."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    for judged in (*_embedded_ipv4(address), address):  # the IPv4 carried first: it names what is reached
        if judged in METADATA_ADDRESSES:
            return "a cloud metadata address"
        if allow_private:
            continue
        if judged.is_loopback:
            return "a loopback address"
        if judged.is_link_local:
            return "a link-local address"
        if judged.is_multicast:
            return "a multicast address"
        if judged.is_unspecified or judged.is_reserved or judged.is_private or not judged.is_global:
            return "a private or reserved address"
    return None


def _refused(where, kind):
    unless = "" if kind == "a cloud metadata address" else " (WEBHOOK_ALLOW_PRIVATE=1 allows it)"
    return WebhookUrlError(f"{where} {kind}: a webhook may not reach the server's own network{unless}")


def allowed_addresses(host, port, allow_private=False, resolver=resolve):
    """The addresses to connect to for `host`, every one checked; raises WebhookUrlError when the name is a
    metadata service's or ANY of its addresses is refused (a name with one public and one private address is
    refused: which one a client picks is not ours to choose)."""
    name = host.rstrip(".").lower()
    if name in METADATA_NAMES:
        raise _refused(f"the webhook's host {host} is", "a cloud metadata address")
    try:
        literal = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        literal = None
    addresses = [literal] if literal else [ipaddress.ip_address(found.split("%", 1)[0])
                                          for found in resolver(name, port)]
    if not addresses:
        raise WebhookUrlError(f"the webhook's host {host!r} cannot be resolved")
    for address in addresses:
        kind = refusal(address, allow_private)
        if kind:
            where = f"the webhook's host {host} resolves to {address}," if literal is None else \
                f"the webhook's address {address} is"
            raise _refused(where, kind)
    return addresses


def split_url(url):
    """(scheme, host, port) of a webhook URL, its form checked (no DNS); raises WebhookUrlError."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookUrlError("the webhook's url must be a non-empty string")
    if len(url) > MAX_URL_CHARS:
        raise WebhookUrlError(f"the webhook's url is longer than {MAX_URL_CHARS} characters")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise WebhookUrlError("the webhook's url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as ex:
        raise WebhookUrlError(f"the webhook's url cannot be read: {ex}") from ex
    if parts.scheme not in SCHEMES:
        raise WebhookUrlError("the webhook's url must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlError("the webhook's url must not contain a user name or password")
    if not parts.hostname:
        raise WebhookUrlError("the webhook's url has no host")
    if parts.fragment:
        raise WebhookUrlError("the webhook's url must not have a #fragment")
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def check_webhook_url(url, allow_private=False, resolver=resolve):
    """`url` as it is kept, or WebhookUrlError: http(s), a host and no credentials, at most 2,048 characters,
    and a host that neither is nor resolves to an address refused by `refusal`."""
    url = url.strip() if isinstance(url, str) else url
    _scheme, host, port = split_url(url)
    allowed_addresses(host, port, allow_private, resolver)
    return url
