"""Fixed-window counters in the cache (CACHE_URL: shared by every application server when it
points at a shared cache)."""

from __future__ import annotations

import hashlib
import ipaddress

from django.core.cache import cache


def client_bucket(address: str | None) -> str:
    """Whom a request counts against: an IPv4 address, or an IPv6 /64 network, since one
    connection commonly holds a whole /64 and could otherwise rotate addresses."""
    if not address:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def exceeded(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one more request of ``who`` under ``scope``; True once it is over ``limit`` within
    ``window`` seconds. ``who`` is hashed: cache keys carry no e-mail address."""
    digest = hashlib.sha256(who.encode()).hexdigest()
    key = f"ratelimit:{scope}:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
