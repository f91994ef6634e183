"""Import templates: the header is the format's columns, and the two example rows are valid
against the spec's value rules and the demo environment's reference data."""

import csv
import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.template import Context, Template

from finance.banking.models import BankAccount
from finance.contacts import values
from finance.contacts.models import ContactAccount
from finance.contacts.services import note_create
from finance.dataformats import dates
from finance.dataformats.templates import FORMAT_FOR_KIND, FORMATS, template_csv, template_url
from finance.ledger.services.document_input import clean_document
from finance.tenancy import scope
from finance.tenancy.models import Tenant

DATE_FORMAT = "dd/MM/yyyy"  # the demo interfaces' date_format
DATETIME_FORMAT = "dd/MM/yyyy HH:mm"  # the demo Notes import's datetime_format
AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")


def _records(format_key):
    data = template_csv(format_key)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def _rows(format_key):
    header, *rows = _records(format_key)
    return [dict(zip(header, row)) for row in rows]


@pytest.mark.parametrize("format_key", FORMATS)
def test_the_header_is_the_formats_columns_in_order(format_key):
    assert _records(format_key)[0] == [c.name for c in FORMATS[format_key].columns]


@pytest.mark.parametrize("format_key", FORMATS)
def test_there_are_two_example_rows_with_a_cell_for_every_column(format_key):
    header, *rows = _records(format_key)
    assert len(rows) == 2
    assert all(len(row) == len(header) for row in rows)


@pytest.mark.parametrize("format_key", FORMATS)
def test_the_examples_name_only_real_columns(format_key):
    # A misspelt key would silently leave its cell blank.
    fmt = FORMATS[format_key]
    names = {c.name for c in fmt.columns}
    for example in fmt.examples:
        assert set(example) <= names


@pytest.mark.parametrize("format_key", FORMATS)
def test_the_example_cells_keep_the_value_rules_of_their_kind(format_key):
    fmt = FORMATS[format_key]
    for row in _rows(format_key):
        for column in fmt.columns:
            value = row[column.name]
            if column.max_length is not None:
                assert len(value) <= column.max_length, column.name
            if not value:
                continue
            # Nothing in a template should need the formula apostrophe.
            assert not value.startswith("'"), column.name
            if column.kind == "flag":
                assert value in ("y", "n"), column.name
            elif column.kind == "amount":
                assert AMOUNT.match(value), column.name
            elif column.kind == "date":
                dates.parse(value, DATE_FORMAT)
            elif column.kind == "datetime":
                try:
                    dates.parse(value, DATETIME_FORMAT, with_time=True)
                except ValueError:
                    dates.parse(value, DATE_FORMAT)


@pytest.mark.parametrize("format_key", FORMATS)
def test_every_required_column_is_filled_on_the_first_row(format_key):
    first = _rows(format_key)[0]
    for column in FORMATS[format_key].columns:
        if column.required:
            assert first[column.name], column.name


def test_every_kind_with_a_template_names_a_format():
    assert FORMAT_FOR_KIND == {
        "contact_import": "contacts", "notes_import": "notes", "document_import": "documents", "custom_csv": "bank_statements",
    }
    assert set(FORMAT_FOR_KIND.values()) <= set(FORMATS)


def test_template_url_gives_the_download_for_a_kind_with_a_template_and_none_otherwise():
    assert template_url("alpha", "contact_import") == "/alpha/data-dictionary/contacts/template.csv"
    assert template_url("alpha", "custom_csv") == "/alpha/data-dictionary/bank_statements/template.csv"
    assert template_url("alpha", "cin7") is None


def test_the_template_tag_uses_the_current_environment():
    page = Template("{% load dataformats %}{% template_url kind as url %}{% if url %}{{ url }}{% else %}none{% endif %}")
    tenant = Tenant(slug="alpha")
    assert page.render(Context({"current_tenant": tenant, "kind": "notes_import"})) == "/alpha/data-dictionary/notes/template.csv"
    assert page.render(Context({"current_tenant": tenant, "kind": "ofx"})) == "none"
    assert page.render(Context({"kind": "notes_import"})) == "none"


# --- Against the demo environment (shared/spec/demo-data.md) ---------------------------------


@pytest.fixture
def demo(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="demo")
    with scope.activate(tenant):
        yield tenant


def test_the_contact_examples_pass_the_contact_value_rules(demo):
    for row in _rows("contacts"):
        given = {name.replace(".", "_"): value for name, value in row.items()}
        target, errors = values.resolve(tenant=demo, given=given)
        assert errors == {}, row["code"]
        assert target["code"] == row["code"]
        # New accounts: importing the template creates them rather than changing a demo account.
        assert not ContactAccount.objects.filter(code__iexact=row["code"]).exists()


def test_the_note_examples_can_be_written_to_demo_contacts(demo):
    for row in _rows("notes"):
        try:
            note_date = dates.parse(row["note_date"], DATETIME_FORMAT, with_time=True)
        except ValueError:
            note_date = dates.parse(row["note_date"], DATE_FORMAT)
        follow_up = dates.parse(row["follow_up_date"], DATE_FORMAT) if row["follow_up_date"] else None
        note = note_create(
            contact=ContactAccount.objects.get(code=row["contact_account"]), actor=None, note_date=note_date,
            body=row["body"], subject=row["subject"], category=row["category"] or None, author=row["author"],
            follow_up_date=follow_up, note_ref=row["note_ref"],
        )
        assert note.category.code == (row["category"] or "GENERAL")


def _documents(rows):
    """Rows grouped into documents by (h.doc_type, h.doc_ref); the first row gives the header and
    a later row's header cells are blank or repeat it (import-formats §5.1)."""
    grouped = defaultdict(list)
    for row in rows:
        grouped[(row["h.doc_type"], row["h.doc_ref"])].append(row)
    for group in grouped.values():
        first = group[0]
        for later in group[1:]:
            for name, value in later.items():
                if name.startswith("h.") and value:
                    assert value == first[name], name
    return grouped.values()


def _document_input(group, *, with_defaults=False):
    first = group[0]

    def date_of(name):
        return dates.parse(first[name], DATE_FORMAT) if first[name] and not with_defaults else None

    lines = [
        {
            "account": row["d.account"], "description": row["d.description"], "quantity": row["d.quantity"] or None,
            "net_amount": row["d.net_amount"], "tax_band": row["d.tax_band"] or None,
            "tax_amount": row["d.tax_amount"] or None, "gross_amount": row["d.gross_amount"] or None,
            "department": row["d.post.department"] or None, "cost_centre": row["d.post.cost_centre"] or None,
            "fund": row["d.post.fund"] or None, "project": row["d.post.project"] or None,
        }
        for row in group
    ]
    return dict(
        legal_entity=first["h.legal_entity"] or "KLT", doc_type=first["h.doc_type"], doc_ref=first["h.doc_ref"],
        contact=first["h.contact_account"] or None, doc_date=dates.parse(first["h.doc_date"], DATE_FORMAT),
        tax_date=date_of("h.tax_date"), due_date=date_of("h.due_date"), their_doc_no=first["h.their_doc_no"],
        their_ref=first["h.their_ref"], description=first["h.description"], currency=first["h.currency"] or None,
        currency_rate=first["h.currency_rate"] or None, lines=lines, batch_no="",
    )


def test_the_document_examples_pass_the_document_rules_and_their_totals_and_defaults_agree(demo):
    for group in _documents(_rows("documents")):
        first = group[0]
        clean = clean_document(tenant=demo, **_document_input(group))
        header = clean.header
        assert (str(header["total_net"]), str(header["total_tax"]), str(header["total_gross"])) == (
            first["h.total_net"], first["h.total_tax"], first["h.total_gross"])
        for row, line in zip(group, clean.lines):
            assert (str(line["tax_amount"]), str(line["gross_amount"])) == (row["d.tax_amount"], row["d.gross_amount"])
        # The dates and currency written in the example are the ones the import would default to.
        defaulted = clean_document(tenant=demo, **_document_input(group, with_defaults=True)).header
        assert (defaulted["tax_date"], defaulted["due_date"], defaulted["currency"]) == (
            header["tax_date"], header["due_date"], header["currency"])


def test_the_bank_statement_examples_name_a_demo_bank_account_in_its_currency(demo):
    for row in _rows("bank_statements"):
        account = BankAccount.objects.select_related("currency").get(code=row["bank_account"])
        assert account.currency.code == row["currency"]
        assert Decimal(row["amount"]) != 0
