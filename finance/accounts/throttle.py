"""Failed sign-in counting: after LOGIN_FAILURE_LIMIT failures for one e-mail address or one
client address within LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the
window has passed. Counters live in the cache (Redis in production)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _keys(email, ip):
    keys = []
    if email:
        keys.append("login-fail:email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest())
    if ip:
        keys.append("login-fail:ip:" + hashlib.sha256(ip.encode()).hexdigest())
    return keys


def seconds_locked(email, ip):
    """Seconds until sign-in is allowed again, or 0."""
    now = time.time()
    worst = 0
    for key in _keys(email, ip):
        failures = [t for t in cache.get(key, []) if t > now - settings.LOGIN_FAILURE_WINDOW]
        if len(failures) >= settings.LOGIN_FAILURE_LIMIT:
            # The lock lifts when the oldest counted failure leaves the window.
            oldest = sorted(failures)[-settings.LOGIN_FAILURE_LIMIT]
            worst = max(worst, int(oldest + settings.LOGIN_FAILURE_WINDOW - now) + 1)
    return worst


def record_failure(email, ip):
    now = time.time()
    for key in _keys(email, ip):
        failures = [t for t in cache.get(key, []) if t > now - settings.LOGIN_FAILURE_WINDOW]
        failures.append(now)
        cache.set(key, failures[-50:], settings.LOGIN_FAILURE_WINDOW)


def clear(email):
    for key in _keys(email, None):
        cache.delete(key)
