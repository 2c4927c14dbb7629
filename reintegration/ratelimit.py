"""Fixed-window rate limits that hold across processes and servers.

``allow(scope, bucket, limit=n)`` counts one request of ``bucket`` (a client) and says whether
it is within ``n`` per window (a minute unless ``window`` says otherwise); ``exceeded(scope,
who, limit=, window=)`` is the same question asked the other way, for anything identifying
the requester (an e-mail address is hashed first: no address in a cache key or a table).

The count must be shared by every worker of every server, so it cannot live in process
memory; where it lives depends on the default cache:

- Redis (or memcached): the cache counts. ``incr`` is one atomic command on the server, and
  the window's start is part of the key, so a key is only ever incremented during its own
  window and expires after it.
- Anything else, the database cache included (the default): the database counts, in
  ``RateCounter``. Django's ``DatabaseCache`` has no ``incr`` of its own: ``BaseCache.incr``
  reads the value and writes value + 1 in two statements, so two processes reading the same
  count both write count + 1 and one request is not counted. Here one conditional
  ``UPDATE ... SET hits = hits + 1 WHERE hits < limit`` per request counts and decides at
  once, atomically on SQLite and PostgreSQL alike; the row of a new window is inserted, and an
  insert that loses to another process's falls back to the update.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import time

from django.core.cache import caches
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import F

from reintegration.models import RateCounter

WINDOW_SECONDS = 60


def client_bucket(address: str | None) -> str:
    """Whom a request counts against: an IPv4 address, or an IPv6 /64 network, since one
    connection commonly holds a whole /64 and could otherwise rotate addresses."""
    if not address:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def allow(scope: str, bucket: str, *, limit: int, window: int = WINDOW_SECONDS) -> bool:
    """Count a request of ``bucket`` against ``scope``'s limit of ``limit`` per ``window``
    seconds; False once it is over."""
    start = int(time.time()) // window * window
    if isinstance(caches["default"], RedisCache | BaseMemcachedCache):
        return _counted_in_cache(f"rate:{scope}:{window}:{bucket}:{start}", limit, window)
    opened = datetime.datetime.fromtimestamp(start, tz=datetime.UTC)
    return _counted_in_database(scope, bucket, opened, limit)


def exceeded(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one more request of ``who`` under ``scope``; True once it is over ``limit`` within
    ``window`` seconds. ``who`` is hashed: no e-mail address is kept."""
    digest = hashlib.sha256(who.encode()).hexdigest()[:40]
    return not allow(scope, digest, limit=limit, window=window)


def _counted_in_cache(key: str, limit: int, window: int) -> bool:
    cache = caches["default"]
    # Kept for two windows: it is only incremented during the first, so it cannot expire
    # between the add and the incr.
    cache.add(key, 0, timeout=2 * window)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted meanwhile by a cache that was full
        cache.set(key, 1, timeout=2 * window)
        count = 1
    return count <= limit


def _counted_in_database(scope: str, bucket: str, window: datetime.datetime, limit: int) -> bool:
    if limit < 1:
        return False
    counter = RateCounter.objects.filter(scope=scope, bucket=bucket, window=window)
    # Once at the limit the row stays there: a client over it costs no write.
    if counter.filter(hits__lt=limit).update(hits=F("hits") + 1):
        return True
    if counter.exists():
        return False
    try:
        with transaction.atomic():
            RateCounter.objects.create(scope=scope, bucket=bucket, window=window, hits=1)
        return True
    except IntegrityError:
        # Another process opened the window's row first.
        return bool(counter.filter(hits__lt=limit).update(hits=F("hits") + 1))


def prune(*, before: datetime.datetime) -> int:
    """Delete the counters of windows that started before ``before``; returns how many."""
    deleted, _by_model = RateCounter.objects.filter(window__lt=before).delete()
    return deleted
