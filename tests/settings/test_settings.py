"""Settings come from the environment: checked in fresh processes, as a deployment would start."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "finance.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://finance.example.com",
    "DATABASE_URL": "postgres://finance@db.internal:5432/finance",
    "REDIS_URL": "redis://cache.internal:6379/0",
    # A fixed, throw-away Fernet key (tests only).
    "VAULT_KEKS": "q0Zx0m4yVn8Yj9mZr3kP4bS1cT2dU5eW6fX7gY8hZ9A=",
}


def _manage(args, env_overrides, tmp_path):
    # A clean deployment environment: none of the suite's own variables (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly rejects).
    dropped = {"DEBUG", "SECRET_KEY", "VAULT_KEKS", "VAULT_KEKS_FILE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "finance.settings"}, **env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_with_production_values(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_secret_key_and_with_debug_off_it_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off" in result.stderr


def test_a_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(PRODUCTION["SECRET_KEY"])
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"} | {"SECRET_KEY_FILE": str(key_file)}
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_in_development_a_key_is_generated_once_under_var(tmp_path):
    assert _manage(["check"], {"DEBUG": "true"}, tmp_path).returncode == 0
    key_file = tmp_path / "var" / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 50
    assert _manage(["check"], {"DEBUG": "true"}, tmp_path).returncode == 0
    assert key_file.read_text() == first


def test_the_embedded_defaults_are_sqlite_under_var_and_the_filesystem_broker(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "d=s.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['OPTIONS']['transaction_mode'], d['OPTIONS']['timeout']);"
        "print(s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in']);"
        "print(s.TIME_ZONE, s.USE_TZ)"
    )
    result = _manage(["shell", "--no-imports", "-c", code], {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    db_line, broker_line, tz_line = result.stdout.strip().splitlines()
    var = str(tmp_path / "var")
    assert db_line == f"django.db.backends.sqlite3 {var}/db.sqlite3 IMMEDIATE 20"
    assert broker_line == f"filesystem:// {var}/celery/queue"
    assert tz_line == "Europe/London True"


def test_database_and_redis_urls_switch_to_postgres_and_redis(tmp_path):
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'])"
    result = _manage(["shell", "--no-imports", "-c", code], {"DEBUG": "true", "DATABASE_URL": PRODUCTION["DATABASE_URL"], "REDIS_URL": PRODUCTION["REDIS_URL"]}, tmp_path)
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        PRODUCTION["REDIS_URL"],
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_the_running_suite_uses_london_time_and_aware_datetimes():
    assert settings.TIME_ZONE == "Europe/London" and settings.USE_TZ
