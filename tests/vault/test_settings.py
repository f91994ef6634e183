"""VAULT_KEKS is read at startup: checked in fresh processes, as a deployment would start."""

from ..settings.test_settings import PRODUCTION, _manage


def test_without_keks_and_with_debug_off_it_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "VAULT_KEKS"}
    result = _manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "VAULT_KEKS (or VAULT_KEKS_FILE) must be set when DEBUG is off" in result.stderr


def test_a_malformed_kek_is_refused_naming_the_setting(tmp_path):
    result = _manage(["check"], PRODUCTION | {"VAULT_KEKS": f"{PRODUCTION['VAULT_KEKS']},not-a-key"}, tmp_path)
    assert result.returncode != 0
    assert "VAULT_KEKS: key 2 of 2 is not a valid Fernet key" in result.stderr
    assert not (tmp_path / "var" / "vault_kek").exists()


def test_a_malformed_kek_in_development_is_refused_too_never_replaced(tmp_path):
    result = _manage(["check"], {"DEBUG": "true", "VAULT_KEKS": "garbage"}, tmp_path)
    assert result.returncode != 0
    assert "VAULT_KEKS: key 1 of 1 is not a valid Fernet key" in result.stderr
    assert not (tmp_path / "var" / "vault_kek").exists()


def test_in_development_a_kek_is_generated_once_with_a_warning(tmp_path):
    first_run = _manage(["check"], {"DEBUG": "true"}, tmp_path)
    assert first_run.returncode == 0, first_run.stderr
    assert "DEVELOPMENT Vault key-encryption key" in first_run.stderr
    key_file = tmp_path / "var" / "vault_kek"
    first = key_file.read_text()
    assert _manage(["check"], {"DEBUG": "true"}, tmp_path).returncode == 0
    assert key_file.read_text() == first
