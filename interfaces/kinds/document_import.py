"""Document import (import-formats §5): sales invoices and credit notes, purchase invoices and
credit notes, and journals, one line per row, as drafts or (with `full_import`) posted.

Rows with the same (`h.doc_type`, `h.doc_ref`) form one document wherever they are in the file,
so this kind holds the file's rows, grouped by document, until the last chunk has been read
(`check_end`); document files are small next to contact files. Each document is then checked by
the ledger's own `clean_document` (the rules of the document pages: codes, defaults, VAT, gross,
balance, periods, rates), answered from reference tables loaded once per pass and from the
documents and contacts of a batch of documents fetched together, so the checks cost a fixed
number of queries per batch. Its error keys (`lines[2].tax_amount`) are mapped back to the rows
and columns of the file (`d.tax_amount` on the second line's row), with the catalogue's wording.
Writing goes through `document_create`, `document_update_draft` and `document_post`.
"""

import bisect
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from finance.audit.services import event_record
from finance.contacts.models import ContactAccount
from finance.dataformats import cells
from finance.dataformats.columns import DOCUMENT_COLUMNS
from finance.dataformats.datasets import money, quantity, rate
from finance.dataformats.dates import format_date
from finance.ledger import models as L
from finance.ledger.money import fmt_money
from finance.ledger.selectors import CONTROL_ACCOUNT_LABELS
from finance.ledger.services import document_create, document_post, document_update_draft, series_next
from finance.ledger.services.document_input import Lookups, clean_document

from .base import Option, RunError
from .tabular import CREATED, ERROR, UNCHANGED, UPDATED, FileRejected, RowResult, TabularKind, file_options

COLUMNS = {c.name: c for c in DOCUMENT_COLUMNS}
HEADER_COLUMNS = tuple(c.name for c in DOCUMENT_COLUMNS if c.name.startswith("h."))
LINE_COLUMNS = tuple(c.name for c in DOCUMENT_COLUMNS if c.name.startswith("d."))
KEY_COLUMNS = ("h.doc_type", "h.doc_ref")
# clean_document's keys -> the file's columns
HEADER_KEYS = {
    "legal_entity": "h.legal_entity", "doc_type": "h.doc_type", "doc_ref": "h.doc_ref", "contact": "h.contact_account",
    "doc_date": "h.doc_date", "tax_date": "h.tax_date", "due_date": "h.due_date", "their_doc_no": "h.their_doc_no",
    "their_ref": "h.their_ref", "description": "h.description", "currency": "h.currency",
    "currency_rate": "h.currency_rate",
}
LINE_KEYS = {
    "account": "d.account", "description": "d.description", "quantity": "d.quantity", "net_amount": "d.net_amount",
    "tax_band": "d.tax_band", "tax_amount": "d.tax_amount", "gross_amount": "d.gross_amount",
    "department": "d.post.department", "cost_centre": "d.post.cost_centre", "fund": "d.post.fund",
    "project": "d.post.project",
}
# A cell that cannot be read stops the checks that depend on it (§5.6).
DEPENDS_ON = {"d.tax_amount": ("d.net_amount",), "d.gross_amount": ("d.net_amount", "d.tax_amount")}
TOTALS = (("h.total_net", "total_net"), ("h.total_tax", "total_tax"), ("h.total_gross", "total_gross"))
JOURNAL_BLANK_TOTALS = ("h.total_tax", "h.total_gross")


@dataclass
class Row:
    """One data row: its record, the cells read (column -> value, None when blank) and the
    errors found while reading them."""

    record: object
    cells: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # (column, value, message)
    bad: set = field(default_factory=set)  # columns whose cell could not be read

    @property
    def row(self):
        return self.record.row

    def text(self, column):
        return self.record.values.get(column, "")

    def error(self, column, message, value=None):
        self.errors.append((column, self.text(column) if value is None and column else value, message))


@dataclass
class Doc:
    key: object
    rows: list = field(default_factory=list)
    entity: object = None  # resolved from the first row, when the codes exist
    dtype: object = None

    @property
    def first(self):
        return self.rows[0]


def _read(job, row, column, text):
    """The value of one cell (None when blank); a cell that breaks its column's rule is an error."""
    if not text:
        return None
    spec = COLUMNS[column]
    try:
        if spec.kind in ("text", "code"):
            if spec.max_length is not None and len(text) > spec.max_length:
                raise cells.CellError(f"Value for {column} is too long ({len(text)} characters, maximum {spec.max_length})")
            return cells.unescape_formula(text) if spec.kind == "text" else text
        if spec.kind == "date":
            return job.date(column, text)
        if spec.kind == "amount":
            return cells.amount(text)
        if spec.kind == "rate":
            return cells.number(text, 6)
        if spec.kind == "quantity":
            return cells.number(text, 4)
    except cells.CellError as error:
        row.error(column, str(error))
        row.bad.add(column)
        return None
    raise ValueError(f"No reader for column kind {spec.kind}")


def _same(column, first, later):
    """Whether a later row's header cell repeats the first row's value (§5.1)."""
    kind = COLUMNS[column].kind
    if kind == "code":
        return first.lower() == later.lower()
    try:
        if kind == "amount":
            return cells.amount(first) == cells.amount(later)
        if kind == "rate":
            return cells.number(first, 6) == cells.number(later, 6)
    except cells.CellError:
        pass
    return cells.unescape_formula(first) == cells.unescape_formula(later)


class ImportLookups(Lookups):
    """`clean_document`'s reads answered from memory: the reference tables of the pass and the
    contacts, documents and supplier numbers of the batch being checked."""

    def __init__(self, job, contacts, existing, their_nos):
        super().__init__(job.tenant)
        self.state = job.state
        self.date_format = job.options["date_format"]
        self.contacts = contacts
        self.existing = existing
        self.their_nos = their_nos

    def find(self, model, code, **filters):
        key = code.lower()
        if model is ContactAccount and not filters:
            return self.contacts.get(key)
        if model is L.Dimension and set(filters) == {"kind"}:
            return self.state["dimensions"].get((filters["kind"], key))
        table = self.state["tables"].get(model)
        if table is None or filters:
            return super().find(model, code, **filters)
        return table.get(key)

    def open_period_error(self, entity, on_date):
        periods = self.state["periods"].get(entity.year_group_id, ())
        starts = [p[0] for p in periods]
        at = bisect.bisect_right(starts, on_date) - 1
        if at >= 0 and periods[at][1] >= on_date and (periods[at][2], entity.pk) in self.state["open"]:
            return None
        return f"No open financial period for {format_date(on_date, self.date_format)} in legal entity {entity.code}"

    def rate(self, currency, on_date):
        if currency.is_base:
            return 1
        rates = self.state["rates"].get(currency.pk, ())
        at = bisect.bisect_right([r[0] for r in rates], on_date) - 1
        if at < 0:
            message = f"No exchange rate for {currency.code} on {format_date(on_date, self.date_format)}"
            raise ValidationError({"currency_rate": ValidationError(message, code="D13")})
        return rates[at][1]

    def default_term(self):
        return self.state["default_term"]

    def doc_ref_user(self, entity, doc_type, doc_ref, instance):
        other = self.existing.get((entity.pk, doc_type.pk, doc_ref.lower()))
        return other if other is not None and (instance is None or other.pk != instance.pk) else None

    def their_doc_no_used(self, contact, doc_type, their_doc_no, instance):
        users = self.their_nos.get((contact.pk, doc_type.pk, their_doc_no.lower()), set())
        return bool(users - {instance.pk if instance is not None else None})


def _header_signature(header):
    return (
        header["legal_entity"].pk, getattr(header["contact"], "pk", None), header["doc_date"], header["tax_date"],
        header["due_date"], header["their_doc_no"], header["their_ref"], header["description"], header["currency"].pk,
        header["currency_rate"], header["total_net"], header["total_tax"], header["total_gross"],
    )


def _line_signature(line):
    return (
        line["account"].pk, line["description"], line["quantity"], line["net_amount"], getattr(line["tax_band"], "pk", None),
        line["tax_amount"], line["gross_amount"], *(getattr(line[f], "pk", None) for f in ("department", "cost_centre", "fund", "project")),
    )


def _document_signature(doc):
    header = (
        doc.legal_entity_id, doc.contact_id, doc.doc_date, doc.tax_date, doc.due_date, doc.their_doc_no, doc.their_ref,
        doc.description, doc.currency_id, doc.currency_rate, doc.total_net, doc.total_tax, doc.total_gross,
    )
    lines = tuple(
        (l.account_id, l.description, l.quantity, l.net_amount, l.tax_band_id, l.tax_amount, l.gross_amount,
         l.department_id, l.cost_centre_id, l.fund_id, l.project_id)
        for l in sorted(doc.lines.all(), key=lambda l: l.line_no)
    )
    return header, lines


def _code(obj):
    return obj.code if obj is not None else ""


def output_rows(header, lines, date_format):
    """The produced file's cells of a checked document, one dict per line: every default
    resolved, written as `export_data documents` writes them (so the file imports unchanged)."""
    journal = header["doc_type"].family == L.DocumentFamily.JOURNAL
    base = header["currency"].is_base
    head = {
        "h.doc_ref": header["doc_ref"], "h.doc_type": header["doc_type"].code, "h.legal_entity": header["legal_entity"].code,
        "h.contact_account": _code(header["contact"]), "h.doc_date": format_date(header["doc_date"], date_format),
        "h.tax_date": format_date(header["tax_date"], date_format),
        "h.due_date": "" if journal else format_date(header["due_date"], date_format),
        "h.their_doc_no": "" if journal else header["their_doc_no"], "h.their_ref": header["their_ref"],
        "h.description": header["description"], "h.currency": header["currency"].code,
        "h.currency_rate": "" if base else rate(header["currency_rate"]),
        "h.total_net": "0.00" if journal else money(header["total_net"]),
        "h.total_tax": "" if journal else money(header["total_tax"]),
        "h.total_gross": "" if journal else money(header["total_gross"]),
    }
    for line in lines:
        yield head | {
            "d.account": line["account"].code, "d.description": line["description"], "d.quantity": quantity(line["quantity"]),
            "d.net_amount": money(line["net_amount"]), "d.tax_band": "" if journal else _code(line["tax_band"]),
            "d.tax_amount": "" if journal else money(line["tax_amount"]),
            "d.gross_amount": "" if journal else money(line["gross_amount"]),
            "d.post.department": _code(line["department"]), "d.post.cost_centre": _code(line["cost_centre"]),
            "d.post.fund": _code(line["fund"]), "d.post.project": _code(line["project"]),
        }


class DocumentImport(TabularKind):
    key = "document_import"
    label = "Document import"
    file_format = "documents"
    columns = DOCUMENT_COLUMNS
    mandatory = ("h.doc_ref", "h.doc_type", "h.doc_date", "d.account", "d.net_amount")
    produced_name = "Document import file.csv"
    extra_produced_columns = ("_doc_no",)
    count_by_group = True
    unit = ("document", "documents")
    options = file_options(
        date_format="dd/MM/yyyy",
        legal_entity=Option(str, "", label="Legal entity",
                            help="Legal entity code for rows that leave h.legal_entity blank; may be blank when the "
                                 "environment has only one legal entity."),
        full_import=Option(bool, False, label="Post the documents",
                           help="Create the documents and post them to the ledger at once; otherwise they are drafts."),
    )

    # --- Reference tables (one query each, at the start of each pass) ---------------------------

    def begin(self, job):
        tenant = job.tenant
        state = job.state
        state.clear()
        entities = {e.code.lower(): e for e in L.LegalEntity.objects.filter(tenant=tenant).select_related("base_currency")}
        state["tables"] = {
            L.LegalEntity: entities,
            L.DocumentType: {t.code.lower(): t for t in L.DocumentType.objects.filter(tenant=tenant).select_related("series")},
            L.NominalAccount: {a.code.lower(): a for a in L.NominalAccount.objects.filter(tenant=tenant)},
            L.TaxBand: {b.code.lower(): b for b in L.TaxBand.objects.filter(tenant=tenant)},
            L.Currency: {c.code.lower(): c for c in L.Currency.objects.filter(tenant=tenant)},
        }
        state["dimensions"] = {(d.kind, d.code.lower()): d for d in L.Dimension.objects.filter(tenant=tenant)}
        periods = {}
        for period in L.Period.objects.filter(tenant=tenant).values("pk", "start", "end", "year__group_id").order_by("start"):
            periods.setdefault(period["year__group_id"], []).append((period["start"], period["end"], period["pk"]))
        state["periods"] = periods
        state["open"] = set(L.PeriodStatus.objects.filter(tenant=tenant, is_open=True).values_list("period_id", "legal_entity_id"))
        rates = {}
        for currency_id, since, value in L.ExchangeRate.objects.filter(tenant=tenant).order_by("effective_from").values_list(
                "currency_id", "effective_from", "rate"):
            rates.setdefault(currency_id, []).append((since, value))
        state["rates"] = rates
        state["default_term"] = L.PaymentTerm.objects.filter(tenant=tenant, is_default=True).order_by("code").first()
        state["controls"] = set(L.NominalAccount.objects.filter(
            tenant=tenant, account_type__in=list(CONTROL_ACCOUNT_LABELS)).values_list("account_type", flat=True))
        state["default_entity"] = self._default_entity(job, entities)
        state["docs"] = {}  # document key -> Doc, in the order of their first rows
        state["loose"] = []  # rows without a document key (blank h.doc_type or h.doc_ref)
        state["their_nos"] = {}  # (supplier, type, their_doc_no) -> key of the first document in the file using it
        state["batch_no"] = None

    def _default_entity(self, job, entities):
        code = (job.options.get("legal_entity") or "").strip()
        if code:
            entity = entities.get(code.lower())
            if entity is None:
                raise FileRejected((None, None, f"Interface configuration incomplete: legal_entity '{code}' does not exist"))
            return entity
        if len(entities) == 1:
            return next(iter(entities.values()))
        raise FileRejected((None, None, "Interface configuration incomplete: legal_entity is not set"))

    # --- Reading rows: grouped by document, decided at the end -----------------------------------

    def check_chunk(self, job, records):
        docs = job.state["docs"]
        for record in records:
            row = Row(record=record)
            for column, value, message in record.errors:
                row.errors.append((column, value, message))
            for column in LINE_COLUMNS:
                row.cells[column] = _read(job, row, column, row.text(column))
            doc_type, doc_ref = row.text("h.doc_type"), row.text("h.doc_ref")
            if not doc_type or not doc_ref:
                for column in KEY_COLUMNS:
                    if not row.text(column):
                        row.error(column, f"{column} is required")
                for column in HEADER_COLUMNS:
                    row.cells[column] = _read(job, row, column, row.text(column))
                job.state["loose"].append(row)
                continue
            key = (doc_type.lower(), doc_ref.lower())
            doc = docs.get(key)
            if doc is None:
                doc = docs[key] = Doc(key=key)
                for column in HEADER_COLUMNS:
                    row.cells[column] = _read(job, row, column, row.text(column))
            else:
                self._compare_header(job, doc, row)
            doc.rows.append(row)
        return []

    def _compare_header(self, job, doc, row):
        """D04: a later row's header cell is blank or repeats the first row's value."""
        first = doc.first
        for column in HEADER_COLUMNS:
            if column in KEY_COLUMNS:
                continue
            later = row.text(column)
            if not later:
                continue
            given = first.text(column)
            if column == "h.legal_entity" and not given:
                given = job.state["default_entity"].code
            if not _same(column, given, later):
                row.error(column, f"Header value {column} differs between rows of document '{first.text('h.doc_ref')}'")

    def check_end(self, job):
        results = []
        for row in job.state["loose"]:
            result = RowResult(record=row.record, group=("row", row.row))
            for error in row.errors:
                result.error(*error)
            results.append(result)
        batch, size = [], 0
        for doc in job.state["docs"].values():
            batch.append(doc)
            size += len(doc.rows)
            if size >= self.chunk_rows:
                results += self._check_batch(job, batch)
                batch, size = [], 0
        if batch:
            results += self._check_batch(job, batch)
        job.state["docs"], job.state["loose"] = {}, []
        results.sort(key=lambda r: r.record.row)
        return results

    # --- Checking a batch of documents -----------------------------------------------------------

    def _check_batch(self, job, docs):
        tables = job.state["tables"]
        default_entity = job.state["default_entity"]
        codes = {d.first.text("h.contact_account").lower() for d in docs if d.first.text("h.contact_account")}
        contacts = {}
        if codes:
            contacts = {
                c.code.lower(): c
                for c in ContactAccount.objects.filter(tenant=job.tenant).annotate(code_lower=Lower("code")).filter(code_lower__in=codes)
                .select_related("currency", "pay_term", "customer_department", "customer_cost_centre", "customer_project")
            }
        keys = {}
        for doc in docs:
            entity_code = doc.first.text("h.legal_entity")
            entity = tables[L.LegalEntity].get(entity_code.lower()) if entity_code else default_entity
            dtype = tables[L.DocumentType].get(doc.key[0])
            doc.entity, doc.dtype = entity, dtype
            if entity is not None and dtype is not None:
                keys[doc.key] = (entity.pk, dtype.pk, doc.key[1])
        existing = {}
        if keys:
            found = (
                L.Document.objects.filter(tenant=job.tenant)
                .annotate(ref_lower=Lower("doc_ref"))
                .filter(legal_entity_id__in={k[0] for k in keys.values()}, doc_type_id__in={k[1] for k in keys.values()},
                        ref_lower__in={k[2] for k in keys.values()})
                .select_related("legal_entity", "doc_type", "currency")
                .prefetch_related("lines")
            )
            existing = {(d.legal_entity_id, d.doc_type_id, d.ref_lower): d for d in found}
        their_nos = {}
        wanted = {
            (contacts[d.first.text("h.contact_account").lower()].pk, d.dtype.pk, d.first.text("h.their_doc_no").lower())
            for d in docs
            if d.dtype is not None and d.dtype.family in L.PURCHASE_FAMILIES and d.first.text("h.their_doc_no")
            and d.first.text("h.contact_account").lower() in contacts
        }
        if wanted:
            clashes = (
                L.Document.objects.filter(tenant=job.tenant, contact_id__in={w[0] for w in wanted},
                                          doc_type_id__in={w[1] for w in wanted})
                .annotate(no_lower=Lower("their_doc_no")).filter(no_lower__in={w[2] for w in wanted})
                .exclude(status=L.DocumentStatus.VOID).values_list("pk", "contact_id", "doc_type_id", "no_lower")
            )
            for pk, contact_id, type_id, number in clashes:
                their_nos.setdefault((contact_id, type_id, number), set()).add(pk)
        lookups = ImportLookups(job, contacts, existing, their_nos)
        results = []
        for doc in docs:
            results += self._check_document(job, doc, lookups, existing.get(keys.get(doc.key)))
        return results

    def _given(self, job, doc):
        """clean_document's keyword arguments from the document's rows."""
        head = doc.first.cells
        lines = []
        for row in doc.rows:
            c = row.cells
            lines.append({
                "account": c["d.account"], "description": c["d.description"] or "", "quantity": c["d.quantity"],
                "net_amount": c["d.net_amount"], "tax_band": c["d.tax_band"], "tax_amount": c["d.tax_amount"],
                "gross_amount": c["d.gross_amount"], "department": c["d.post.department"],
                "cost_centre": c["d.post.cost_centre"], "fund": c["d.post.fund"], "project": c["d.post.project"],
            })
        return {
            "legal_entity": head["h.legal_entity"] or job.state["default_entity"], "doc_type": head["h.doc_type"],
            "doc_ref": head["h.doc_ref"], "contact": head["h.contact_account"], "doc_date": head["h.doc_date"],
            "tax_date": head["h.tax_date"], "due_date": head["h.due_date"], "their_doc_no": head["h.their_doc_no"] or "",
            "their_ref": head["h.their_ref"] or "", "description": head["h.description"] or "",
            "currency": head["h.currency"], "currency_rate": head["h.currency_rate"], "lines": lines,
        }

    def _place(self, doc, key):
        """The row and column of a clean_document error key."""
        if key.startswith("lines["):
            index, _, name = key[len("lines["):].partition("].")
            return doc.rows[int(index) - 1], LINE_KEYS.get(name)
        if key == "lines":  # D03, D11: the document's first row
            return doc.first, "d.net_amount"
        return doc.first, HEADER_KEYS.get(key)

    def _service_errors(self, doc, error):
        """clean_document's errors on the file's rows and columns, worded as the catalogue says.
        Errors on a cell that could not be read, or on one that depends on it, are left out."""
        for key, problems in error.error_dict.items():
            row, column = self._place(doc, key)
            if column in row.bad or any(c in row.bad for c in DEPENDS_ON.get(column, ())):
                continue
            for problem in problems:
                params = problem.params or {}
                message = problem.message % params if params else problem.message
                if problem.code == "E06":
                    suffix = next((s for s in (" for sales documents", " for purchase documents") if message.endswith(s)), "")
                    message = f"{column} is required{suffix}"
                elif problem.code == "D06":
                    message = f"{column} is required for account {params['account']}"
                elif problem.code == "D14":
                    message = f"{column} must be blank for journals"
                elif problem.code == "E05":
                    message = message.replace(f"Value for {key.rpartition('.')[2]} ", f"Value for {column} ", 1)
                row.error(column, message)

    def _check_document(self, job, doc, lookups, existing):
        given = self._given(job, doc)
        first = doc.first
        dtype = doc.dtype
        journal = dtype is not None and dtype.family == L.DocumentFamily.JOURNAL
        if journal:
            for column in JOURNAL_BLANK_TOTALS:
                if first.text(column) and column not in first.bad:
                    first.error(column, f"{column} must be blank for journals")
        clean = None
        try:
            clean = clean_document(tenant=job.tenant, batch_no="", instance=existing, lookups=lookups, **given)
        except ValidationError as error:
            self._service_errors(doc, error)
        outcome, note = ERROR, ""
        if clean is not None:
            outcome, note = self._decide(job, doc, clean, existing)
        if any(row.errors for row in doc.rows):
            outcome = ERROR
        return self._results(job, doc, clean, existing, given, lookups, outcome, note)

    def _decide(self, job, doc, clean, existing):
        """The outcome of a document that passed the ledger's checks, after the import's own:
        control totals (D09), supplier numbers repeated in the file (D12), a posted or otherwise
        unchangeable document (D08), and the control account posting will need."""
        first, header = doc.first, clean.header
        for column, total in TOTALS:
            given = first.cells[column]
            if given is not None and given != header[total]:
                first.error(column, f"Control total {column} {first.text(column)} does not equal the sum of the lines "
                                    f"{fmt_money(header[total])}")
        family = header["doc_type"].family
        if family in L.PURCHASE_FAMILIES and header["their_doc_no"]:
            number = (header["contact"].pk, header["doc_type"].pk, header["their_doc_no"].lower())
            seen = job.state["their_nos"]
            if number in seen and seen[number] != doc.key:
                first.error("h.their_doc_no", f"Supplier document number '{header['their_doc_no']}' already exists for "
                                              f"supplier {header['contact'].code}")
            seen.setdefault(number, doc.key)
        full = bool(job.options.get("full_import"))
        if full and family != L.DocumentFamily.JOURNAL:
            wanted = L.AccountType.DEBTORS_CONTROL if family in L.SALES_FAMILIES else L.AccountType.CREDITORS_CONTROL
            if wanted not in job.state["controls"]:
                first.error(None, f"No {CONTROL_ACCOUNT_LABELS[wanted]} account is set up in the chart of accounts")
        if existing is None:
            return CREATED, ""
        same = _document_signature(existing) == (
            _header_signature(header), tuple(_line_signature(line) for line in clean.lines)
        )
        status = existing.status
        if status == L.DocumentStatus.POSTED:
            if not same:
                first.error("h.doc_ref", f"Document '{first.text('h.doc_ref')}' is posted and cannot be changed")
            return UNCHANGED, ""
        if status == L.DocumentStatus.VOID or (status == L.DocumentStatus.SUBMITTED and not same):
            if not same:
                first.error("h.doc_ref", f"Document {existing.doc_no} is {existing.get_status_display().lower()}; "
                                         "only draft documents can be changed")
            return UNCHANGED, ""
        if same:
            return (UPDATED, "posted") if full else (UNCHANGED, "")
        return UPDATED, "lines replaced and posted" if full else "lines replaced"

    def _results(self, job, doc, clean, existing, given, lookups, outcome, note):
        outputs = list(output_rows(clean.header, clean.lines, job.options["date_format"])) if clean is not None else None
        bad_rows = [row.row for row in doc.rows if row.errors]
        results = []
        for n, row in enumerate(doc.rows):
            result = RowResult(record=row.record, group=doc.key)
            for error in row.errors:
                result.error(*error)
            if outcome == ERROR:
                result.outcome = ERROR
                if not row.errors:
                    where = ", ".join(str(r) for r in bad_rows)
                    result.note = f"Document '{doc.first.text('h.doc_ref')}' has errors on row{'s' if len(bad_rows) > 1 else ''} {where}"
            else:
                result.outcome = outcome
                result.note = note
                result.output = dict(outputs[n])
                if existing is not None:
                    result.output["h.doc_ref"] = existing.doc_ref
                    result.output["_doc_no"] = existing.doc_no
                if n == 0:
                    action = "create" if existing is None else "post" if note == "posted" else "replace"
                    result.payload = (action, existing, given, lookups)
            results.append(result)
        return results

    # --- Writing --------------------------------------------------------------------------------

    def _batch_no(self, job):
        """One batch number per run from the interface's batch series (none without one)."""
        if job.state["batch_no"] is None:
            series = job.ctx.interface.batch_series
            job.state["batch_no"] = series_next(series=series) if series is not None else ""
        return job.state["batch_no"]

    def write_chunk(self, job, results):
        actor = job.ctx.actor
        full = bool(job.options.get("full_import"))
        rows_of = {}
        for result in results:
            rows_of.setdefault(result.group, []).append(result)
        for group in rows_of.values():
            head = next(r for r in group if r.payload is not None)
            action, existing, given, lookups = head.payload
            batch_no = self._batch_no(job)
            try:
                if action == "create":
                    document = document_create(tenant=job.tenant, actor=actor, batch_no=batch_no, lookups=lookups, **given)
                elif action == "post":
                    document = existing
                else:
                    fields = {k: v for k, v in given.items() if k not in ("doc_type", "doc_ref")}
                    document = document_update_draft(document=existing, actor=actor, batch_no=batch_no, lookups=lookups,
                                                     **fields)
                if full:
                    document = document_post(document=document, actor=actor)
            except ValidationError as error:  # what the checks could not foresee, e.g. a series behind its numbers
                raise RunError(f"Document '{given['doc_ref']}' (row {head.record.row}) could not be written: "
                               f"{'; '.join(error.messages)}. Nothing was imported.") from None
            for result in group:
                result.output["_doc_no"] = document.doc_no

    def finish(self, job, counts):
        ctx = job.ctx
        posted = bool(job.options.get("full_import"))
        event_record(
            tenant=job.tenant, user=ctx.actor, action="documents.imported", interface=ctx.interface, run_ref=ctx.run.uuid,
            message=(f"{ctx.interface.description}: {counts['created']} documents created, {counts['updated']} updated"
                     f"{' and posted' if posted else ''}, {counts['unchanged']} unchanged."),
            after={name: counts[name] for name in ("rows", "created", "updated", "unchanged", "errors")}
            | {"batch_no": job.state.get("batch_no") or "", "full_import": posted},
        )
