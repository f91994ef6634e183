import io

import pytest
from django.core.management import call_command

from finance.accounts.models import User
from finance.audit.models import Event
from finance.tenancy import scope
from finance.tenancy.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def _seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _state():
    with scope.disabled():
        return (
            sorted(Tenant.objects.values_list("slug", "name")),
            sorted(Membership.objects.values_list("tenant__slug", "user__email", "role")),
            sorted(User.objects.values_list("email", "password")),
        )


def test_it_builds_both_demo_environments_with_their_users(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    _seed()
    tenants, memberships, _ = _state()
    assert tenants == [("demo", "Kestrel Demo Learning Trust"), ("harrier", "Harrier Demo Academy")]
    assert ("demo", "admin@kestrel-demo.example", "admin") in memberships
    assert ("demo", "accountant@kestrel-demo.example", "accountant") in memberships
    assert ("demo", "viewer@kestrel-demo.example", "readonly") in memberships
    assert ("demo", "integration@kestrel-demo.example", "integration") in memberships
    assert ("harrier", "admin@harrier-demo.example", "admin") in memberships
    assert not User.objects.get(email="integration@kestrel-demo.example").has_usable_password()
    assert User.objects.get(email="viewer@kestrel-demo.example").check_password("Demo-password-for-tests-1")
    with scope.activate(Tenant.objects.get(slug="demo")):
        assert Event.objects.filter(actor="system", action="environment.created").count() == 1


def test_a_second_run_changes_nothing(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    _seed()
    before = _state()
    monkeypatch.setenv("DEMO_PASSWORD", "A-different-password-2")
    assert "nothing changed" in _seed()
    assert _state() == before


def test_reset_rebuilds_the_environments(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    _seed()
    old = Tenant.objects.get(slug="demo").uuid
    _seed("--reset")
    assert Tenant.objects.get(slug="demo").uuid != old
    assert _state()[1] == sorted(_state()[1]) and len(_state()[1]) == 6


def test_without_demo_password_each_user_gets_a_random_one_printed_once(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    out = _seed()
    lines = [line for line in out.splitlines() if "with password" in line]
    assert len(lines) == 5  # three in demo, two in harrier; the integration user has none
    passwords = {line.split("with password ")[1].split()[0] for line in lines}
    assert len(passwords) == 5 and all(len(p) >= 20 for p in passwords)
    email, password = lines[0].split("created ")[1].split(" with password ")
    assert User.objects.get(email=email).check_password(password.split()[0])
    assert "with password" not in _seed()
