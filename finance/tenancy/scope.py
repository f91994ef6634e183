"""The active tenant scope, and the manager that refuses to query outside one.

A request activates the scope in TenantMiddleware, a Celery task in TenantTask, a command with
`activate(tenant)`. Code that must cross tenants on purpose (the environment switcher, seeding,
the middleware's membership check) says so with `disabled()`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

_UNSCOPED = object()
_current = ContextVar("tenant_scope", default=None)


class ScopeError(RuntimeError):
    """A tenant-owned model was queried with no active tenant."""


def current():
    """The active tenant, or None (also None while the scope is disabled)."""
    value = _current.get()
    return None if value is _UNSCOPED else value


def is_disabled():
    return _current.get() is _UNSCOPED


@contextmanager
def activate(tenant):
    if tenant is None:
        raise ScopeError("activate() needs a tenant")
    token = _current.set(tenant)
    try:
        yield tenant
    finally:
        _current.reset(token)


@contextmanager
def disabled():
    """Allow unscoped queries inside the block: for code that crosses tenants on purpose."""
    token = _current.set(_UNSCOPED)
    try:
        yield
    finally:
        _current.reset(token)


def set_for_request(tenant):
    """Activate for the rest of a request; returns the token to pass to `reset`."""
    return _current.set(tenant)


def reset(token):
    _current.reset(token)


class ScopedQuerySet(models.QuerySet):
    pass


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Default manager of every tenant-owned model: filters on the active tenant, or raises."""

    def get_queryset(self):
        value = _current.get()
        qs = super().get_queryset()
        if value is _UNSCOPED:
            return qs
        if value is None:
            raise ScopeError(
                f"{self.model.__name__} is tenant-owned and no tenant is active; "
                "activate a tenant (tenancy.scope.activate) or disable the scope explicitly."
            )
        return qs.filter(tenant=value)
