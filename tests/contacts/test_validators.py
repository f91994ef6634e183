"""The §3.1 value rules: each returns the stored form of a good value, or the catalogue message."""

import pytest

from finance.contacts import validators as v


def _fails(func, value, message, *args):
    with pytest.raises(ValueError) as raised:
        func(value, *args)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("value", "stored"),
    [("acme-stat", "ACME-STAT"), (" A.B_C/D-1 ", "A.B_C/D-1"), ("9LIVES", "9LIVES"), ("P-EXAMPLE", "P-EXAMPLE")],
)
def test_a_code_is_stored_upper_case(value, stored):
    assert v.code(value) == stored


@pytest.mark.parametrize("value", ["-ABC", ".ABC", "AB C", "ÄBC", "AB*C", ""])
def test_a_code_with_other_characters_is_refused(value):
    _fails(v.code, value, f"Invalid code '{value}': use letters, digits and . _ / -")


def test_a_country_code_is_upper_cased_and_must_exist():
    assert v.country_code("gb") == "GB"
    assert v.country_code(" de ") == "DE"
    _fails(v.country_code, "XX", "Country 'XX' does not exist")
    _fails(v.country_code, "GBR", "Country 'GBR' does not exist")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("GB 999 0008 08", "GB999000808"),
        ("999000101", "GB999000101"),
        ("gb999000101", "GB999000101"),
        ("GB999000101234", "GB999000101234"),
        ("999 0001 01 234", "GB999000101234"),
        ("GD123", "GBGD123"),
        ("gbha500", "GBHA500"),
    ],
)
def test_an_hmrc_vat_number_is_stored_as_gb_and_the_rest(value, stored):
    assert v.hmrc_tax_no(value) == stored


@pytest.mark.parametrize("value", ["GB12345678", "GB9990001011", "XX999000101", "GBGD1234", "HA12", "GB", "DE999999999"])
def test_a_malformed_vat_number_is_refused(value):
    _fails(v.hmrc_tax_no, value, f"Invalid VAT registration number '{value}'")


@pytest.mark.parametrize(
    ("value", "stored"),
    [("zz1 3ab", "ZZ1 3AB"), ("ZZ11AA", "ZZ1 1AA"), ("sw1a1aa", "SW1A 1AA"), ("EC1A 1BB", "EC1A 1BB"), ("M1 1AE", "M1 1AE")],
)
def test_a_uk_postcode_is_upper_cased_with_one_space(value, stored):
    assert v.uk_postcode(value) == stored
    assert v.postcode(value, "GB") == stored


@pytest.mark.parametrize("value", ["ZZ1", "12345", "ZZ1 1A", "ZZ1  1AA", "Z1Z1 1AA1", "ZZ1 AAA"])
def test_a_bad_uk_postcode_is_refused(value):
    _fails(v.uk_postcode, value, f"Invalid UK postcode '{value}'")


def test_a_postcode_outside_the_uk_is_free_text():
    assert v.postcode("99999", "DE") == "99999"
    assert v.postcode(" d99 x999 ", "IE") == "d99 x999"


@pytest.mark.parametrize("value", ["accounts@acme-stationery.example", "alex.example@example.com", "a+b@c.co.uk"])
def test_a_good_email_address_is_kept(value):
    assert v.email(f" {value} ") == value


@pytest.mark.parametrize("value", ["not an address", "a@b", "a@@b.com", "a b@c.de", "@example.com", "two@a.com,b@c.com x"])
def test_a_bad_email_address_is_refused(value):
    _fails(v.email, value, f"Invalid email address '{value}'")


@pytest.mark.parametrize("value", ["01632 960001", "+49 30 99999999", "(0161) 496-0003", "07700 900009", "1234567", "123456789012345"])
def test_a_good_phone_number_is_kept_as_written(value):
    assert v.phone(value) == value


@pytest.mark.parametrize("value", ["123456", "1234567890123456", "01632 96000x", "ext. 1234567", "0161/496/0003"])
def test_a_bad_phone_number_is_refused(value):
    _fails(v.phone, value, f"Invalid phone number '{value}'")


@pytest.mark.parametrize("value", ["40 99 18", "409918", "40-99-18", " 40-9918 "])
def test_a_sort_code_is_stored_with_hyphens(value):
    assert v.sort_code(value) == "40-99-18"


@pytest.mark.parametrize("value", ["40-99-1", "40.99.18", "4099188", "AB-CD-EF"])
def test_a_bad_sort_code_is_refused(value):
    _fails(v.sort_code, value, f"Invalid sort code '{value}': expected 6 digits")


def test_an_account_number_is_exactly_eight_digits_never_padded():
    assert v.account_no("50000001") == "50000001"
    for value in ["5000001", "500000011", "5000 0001", "ABCDEFGH"]:
        _fails(v.account_no, value, f"Invalid account number '{value}': expected 8 digits")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("DE97999999990000012345", "DE97999999990000012345"),  # demo-data §10, FABRIKAM-DE
        ("GB30DEMO20990110000003", "GB30DEMO20990110000003"),  # demo-data §13, BARC-KLT-EUR
        ("GB39 DEMO 4099 2150 0000 21", "GB39DEMO40992150000021"),  # samples/contacts.csv
        ("ie95demo99000112345678", "IE95DEMO99000112345678"),
    ],
)
def test_a_good_iban_is_stored_without_spaces_in_upper_case(value, stored):
    assert v.iban(value) == stored


@pytest.mark.parametrize(
    "value",
    [
        "GB00DEMO20990110000003",  # the spec's example of a bad check
        "DE97999999990000012346",  # one digit changed
        "DE9799999999000001234",  # one character short for DE
        "DE979999999900000123456",  # one too many
        "XX97999999990000012345",  # no such country
        "GB30DEMO2099011000000!",
        "GB",
    ],
)
def test_a_bad_iban_is_refused(value):
    _fails(v.iban, value, f"Invalid IBAN '{value}'")


def test_the_iban_length_table_holds_the_common_countries():
    assert v.IBAN_LENGTHS["GB"] == 22 and v.IBAN_LENGTHS["DE"] == 22 and v.IBAN_LENGTHS["NO"] == 15
    assert v.IBAN_LENGTHS["FR"] == 27 and v.IBAN_LENGTHS["MT"] == 31 and v.IBAN_LENGTHS["IE"] == 22


@pytest.mark.parametrize(("value", "stored"), [("DEMODEFF", "DEMODEFF"), ("demogb22", "DEMOGB22"), ("DEMOIE2D", "DEMOIE2D"), ("DEUTDEFF500", "DEUTDEFF500")])
def test_a_bic_is_stored_upper_case(value, stored):
    assert v.bic(value) == stored


@pytest.mark.parametrize("value", ["DEMO", "DEMODEF", "1EMODEFF", "DEMODEFF50", "DEMO DEFF"])
def test_a_bad_bic_is_refused(value):
    _fails(v.bic, value, f"Invalid BIC '{value}'")


def test_text_is_trimmed_and_its_length_checked():
    assert v.text("\u00a0 Demotown \u00a0", "address.town", 100) == "Demotown"
    _fails(v.text, "x" * 151, "Value for company_name is too long (151 characters, maximum 150)", "company_name", 150)
