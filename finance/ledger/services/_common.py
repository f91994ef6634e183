"""What every ledger service shares: running inside the caller's tenant, resolving codes within that
tenant only, collecting user-facing errors, and creating coded reference rows."""

import functools
import re
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.audit.services import event_record
from finance.tenancy import scope

CODE_RE = re.compile(r"^[A-Za-z0-9._/\-]+$")


@contextmanager
def tenant_scope(tenant):
    """Run inside `tenant`'s scope: activate it if no tenant is active, refuse if another one is."""
    active = scope.current()
    if active is not None:
        if active.pk != tenant.pk:
            raise scope.ScopeError(f"A service for {tenant.slug} was called inside {active.slug}'s scope.")
        yield tenant
        return
    with scope.activate(tenant):
        yield tenant


def _tenant_of(kwargs):
    if kwargs.get("tenant") is not None:
        return kwargs["tenant"]
    for name in ("document", "legal_entity", "series"):
        if kwargs.get(name) is not None:
            return kwargs[name].tenant
    raise TypeError("A ledger service needs tenant=, document=, legal_entity= or series=")


def ledger_service(func):
    """@transaction.atomic inside the tenant's scope; the tenant comes from the keyword arguments."""

    @functools.wraps(func)
    def wrapper(**kwargs):
        with tenant_scope(_tenant_of(kwargs)), transaction.atomic():
            return func(**kwargs)

    return wrapper


class Errors:
    """Collects {key: [ValidationError]} so one call reports every problem, then raises them together."""

    def __init__(self):
        self.items = {}

    def add(self, key, message, code=None, params=None):
        self.items.setdefault(key, []).append(ValidationError(message, code=code, params=params))

    def __bool__(self):
        return bool(self.items)

    def __contains__(self, key):
        return key in self.items

    def raise_if_any(self):
        if self.items:
            raise ValidationError(self.items)


def resolve(model, tenant, value, thing, *, errors=None, key=None, required=False, find=None, **filters):
    """The `model` row of `tenant` that `value` names: an instance or its code (any case).

    `find(model, code, **filters)` looks a code up (default: one query); a caller that holds the
    tenant's rows in memory passes its own.

    Another tenant's instance is treated exactly like a code that does not exist. With `errors`
    the problem is collected under `key` and None returned; without, ValidationError is raised.
    """
    key = key or thing.lower().replace(" ", "_")
    message = None
    if value is None or (isinstance(value, str) and not value.strip()):
        if not required:
            return None
        message = (f"{thing} is required", "E06")
    elif isinstance(value, model):
        if value.tenant_id == tenant.pk and all(getattr(value, k) == v for k, v in filters.items()):
            return value
        message = (f"{thing} '{getattr(value, 'code', value.pk)}' does not exist", "E07")
    else:
        code = str(value).strip()
        if find is not None:
            found = find(model, code, **filters)
        else:
            found = model.objects.filter(tenant=tenant, code__iexact=code, **filters).first()
        if found is not None:
            return found
        message = (f"{thing} '{code}' does not exist", "E07")
    if errors is None:
        raise ValidationError({key: ValidationError(message[0], code=message[1])})
    errors.add(key, message[0], code=message[1])
    return None


def jsonable(value):
    """A value for an Event snapshot: related rows by code, Decimals and dates as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, "code"):
        return value.code
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def check_code(errors, code, key="code"):
    if not code:
        errors.add(key, "Code is required", code="E06")
    elif not CODE_RE.match(code):
        errors.add(key, f"Invalid code '{code}': use letters, digits and . _ / -", code="E21")


def coded_create(model, *, tenant, actor, code, name, thing, action, extra_errors=None, snapshot=(), **fields):
    """Create one coded reference row after checking its code is free (in any case) in the tenant."""
    errors = extra_errors or Errors()
    code = (code or "").strip()
    name = (name or "").strip()
    check_code(errors, code)
    if code and model.objects.filter(tenant=tenant, code__iexact=code).exists():
        errors.add("code", f"{thing} '{code}' already exists", code="E08")
    if not name:
        errors.add("name", "Name is required", code="E06")
    errors.raise_if_any()
    obj = model(tenant=tenant, code=code, name=name, **fields)
    obj.full_clean(exclude=["tenant"])
    obj.save()
    after = {"code": obj.code, "name": obj.name} | {field: jsonable(getattr(obj, field)) for field in snapshot}
    event_record(tenant=tenant, user=actor, action=action, obj=obj, message=f"{thing} {obj.code} created.", after=after)
    return obj
