"""The client's address, the same way for lockouts (django-axes) and for the audit log."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the address the outermost one saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    proxies the client is the N-th entry from the end; anything before it was written by the
    client itself and cannot be trusted.
    """
    address = request.META.get("REMOTE_ADDR")
    hops = getattr(settings, "PROXY_COUNT", 0)
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
