import pytest

from interfaces import kinds
from interfaces.kinds import Kind, OptionError


def test_a_registered_kind_is_found_by_its_key_and_listed(test_kinds):
    assert kinds.get("test_csv") is test_kinds["test_csv"]
    assert "test_csv" in [k.key for k in kinds.all_kinds()]


def test_an_unregistered_kind_is_gone():
    kinds.unregister("test_boom")
    assert kinds.get("test_boom") is None


def test_a_kind_with_an_unknown_action_cannot_be_registered():
    class Odd(Kind):
        key = "odd"
        actions = ("run", "explode")

    with pytest.raises(ValueError):
        kinds.register(Odd)


def test_options_take_their_defaults_and_parse_strings_strictly(test_kinds):
    kind = test_kinds["test_csv"]
    assert kind.clean_options({}) == {"partial": False, "limit": 0, "pause_ms": 0}
    assert kind.clean_options({"partial": "yes", "limit": "12"}) == {"partial": True, "limit": 12, "pause_ms": 0}


def test_an_unknown_option_names_the_option_and_the_kind(test_kinds):
    with pytest.raises(OptionError, match="Unknown option 'dateformat' for Test CSV"):
        test_kinds["test_csv"].clean_options({"dateformat": "x"})


def test_an_invalid_value_names_the_value_and_the_option(test_kinds):
    with pytest.raises(OptionError, match="Invalid value 'x' for option partial"):
        test_kinds["test_csv"].clean_options({"partial": "x"})
    with pytest.raises(OptionError, match="Invalid value '1.5' for option limit"):
        test_kinds["test_csv"].clean_options({"limit": "1.5"})


def test_a_run_starts_from_the_interfaces_settings_and_may_override_them(test_kinds, world_a):
    from interfaces.models import Interface

    kind = test_kinds["test_config"]
    interface = Interface(tenant=world_a.tenant, kind="test_config", date_format="dd/MM/yyyy",
                          config={"delimiter": ";", "header_lines": 3})
    assert kind.defaults() == {"delimiter": ",", "date_format": "dd/MM/yy", "header_lines": 1, "partial": False, "account": ""}
    configured = kind.clean_options({}, interface)
    assert configured["delimiter"] == ";" and configured["header_lines"] == 3 and configured["date_format"] == "dd/MM/yyyy"
    assert kind.clean_options({"header_lines": "0", "date_format": "yyMMdd"}, interface)["header_lines"] == 0


def test_date_format_and_choice_options_refuse_what_they_cannot_use(test_kinds):
    kind = test_kinds["test_config"]
    with pytest.raises(OptionError, match="Invalid value 'dd/mm/yy' for option date_format"):
        kind.clean_options({"date_format": "dd/mm/yy"})
    with pytest.raises(OptionError, match="Invalid value '|' for option delimiter"):
        kind.clean_options({"delimiter": "|"})
    assert kind.clean_options({"date_format": " dd MMM yyyy "})["date_format"] == "dd MMM yyyy"
