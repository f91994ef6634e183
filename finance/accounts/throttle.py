"""Failed password counting: after LOGIN_FAILURE_LIMIT failures for one key within
LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the window has passed.
Counters live in the cache (Redis in production).

Sign-in counts per e-mail address and per client address; a password asked again inside the
application (the Vault's value forms) counts per user, under its own name.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


class Throttle:
    """Failure counters under one name (`login-fail`, `vault-password`)."""

    def __init__(self, name):
        self.name = name

    def _key(self, part, value):
        return f"{self.name}:{part}:" + hashlib.sha256(str(value).strip().lower().encode()).hexdigest()

    def _keys(self, items):
        return [self._key(part, value) for part, value in items if value]

    def seconds_locked(self, **items):
        """Seconds until an attempt is allowed again, or 0."""
        now = time.time()
        worst = 0
        for key in self._keys(items.items()):
            failures = [t for t in cache.get(key, []) if t > now - settings.LOGIN_FAILURE_WINDOW]
            if len(failures) >= settings.LOGIN_FAILURE_LIMIT:
                # The lock lifts when the oldest counted failure leaves the window.
                oldest = sorted(failures)[-settings.LOGIN_FAILURE_LIMIT]
                worst = max(worst, int(oldest + settings.LOGIN_FAILURE_WINDOW - now) + 1)
        return worst

    def record_failure(self, **items):
        now = time.time()
        for key in self._keys(items.items()):
            failures = [t for t in cache.get(key, []) if t > now - settings.LOGIN_FAILURE_WINDOW]
            failures.append(now)
            cache.set(key, failures[-50:], settings.LOGIN_FAILURE_WINDOW)

    def clear(self, **items):
        for key in self._keys(items.items()):
            cache.delete(key)


def minutes(seconds):
    """Whole minutes to wait, at least one, for a lock of `seconds`."""
    return max(1, (seconds + 59) // 60)


LOGIN = Throttle("login-fail")
PASSWORD_RECHECK = Throttle("vault-password")


def seconds_locked(email, ip):
    return LOGIN.seconds_locked(email=email, ip=ip)


def record_failure(email, ip):
    LOGIN.record_failure(email=email, ip=ip)


def clear(email):
    LOGIN.clear(email=email)
