"""The mapping of the custom bank CSV (import-formats §10.1): which header text of the bank's file
holds each statement field (the `map.*` options), what a complete mapping needs, and the *Mapped
fields* section of the interface's settings page, where the grid is built from the header row of
an uploaded sample file (read in memory, never stored)."""

import codecs
import csv
import io
from dataclasses import dataclass

from ..tabular import DELIMITERS, normalise_header

PREFIX = "map."
FIELDS = ("date", "value_date", "amount", "debit", "credit", "indicator", "description", "reference", "type",
          "cheque_no", "transaction_id", "balance", "currency", "sort_code", "account_no", "iban")
FIELD_LABELS = {
    "date": "Date", "value_date": "Value date", "amount": "Amount", "debit": "Debit (money out)",
    "credit": "Credit (money in)", "indicator": "Credit/debit indicator", "description": "Description",
    "reference": "Reference", "type": "Transaction type", "cheque_no": "Cheque number",
    "transaction_id": "Transaction id", "balance": "Balance", "currency": "Currency", "sort_code": "Sort code",
    "account_no": "Account number", "iban": "IBAN",
}
REQUIRED = {"signed": ("amount",), "debit_credit": ("debit", "credit"), "indicator": ("amount", "indicator")}
SAMPLE_BYTES = 256 * 1024  # enough for any header row; the rest of a sample is never read
MAX_COLUMNS = 200


def mapped(options):
    """field -> header text, for the fields that are mapped (in FIELDS order)."""
    result = {}
    for field in FIELDS:
        text = str(options.get(PREFIX + field) or "").strip()
        if text:
            result[field] = text
    return result


def mapping_problems(options):
    """What a mapped layout still lacks, as `no column mapped to <field>` (§10.1), in order."""
    have = mapped(options)
    needed = ["date", "description", *REQUIRED.get(options.get("amount_mode") or "signed", ())]
    if "sort_code" in have or "account_no" in have:
        needed += ["sort_code", "account_no"]
    return [f"no column mapped to {field}" for field in needed if field not in have]


class SampleError(ValueError):
    """A sample file whose header row cannot be read; the message is for the admin."""


def _decode(data, complete):
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise SampleError("The sample file is not a readable text file")
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=complete)
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_sample_header(upload, *, delimiter=",", skip=0):
    """(header row number, [(header text, example value)]) of a sample file: `skip` records, then
    the first non-blank record is the header and the next one gives an example of each column.
    Only the first SAMPLE_BYTES are read, in memory."""
    data = upload.read(SAMPLE_BYTES + 1)
    complete = len(data) <= SAMPLE_BYTES
    data = data[:SAMPLE_BYTES]
    text = _decode(data, complete)
    if not text.strip("\ufeff \t\r\n"):
        raise SampleError("The sample file is empty")
    if not complete:
        text = text[:max(text.rfind("\n"), 0)]  # the last line may be cut short
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS.get(delimiter, delimiter),
                        quotechar='"', strict=False)
    header = example = None
    row = 0
    try:
        for raw in reader:
            row += 1
            if row <= skip or not any(c.strip() for c in raw):
                continue
            if header is None:
                header = (row, raw)
                continue
            example = raw
            break
    except csv.Error as error:
        raise SampleError(f"The sample file is not a readable text file: {error}") from None
    if header is None:
        raise SampleError(f"No header row found in the sample file after skipping {skip} line{'s' if skip != 1 else ''}; "
                          "check Lines before the header and the column separator")
    row, raw = header
    example = example or []
    columns = [(cell.strip(), example[i].strip() if i < len(example) else "") for i, cell in enumerate(raw) if cell.strip()]
    return row, columns[:MAX_COLUMNS]


@dataclass
class GridRow:
    index: int
    header: str
    field: str = ""
    example: str = ""
    error: str = ""


class MappedFieldsSection:
    """The *Mapped fields* grid on the settings page of a custom CSV interface.

    The protocol of a kind's settings section (see `Kind.settings_section`): built with the
    interface and the posted data; `owns(name)` names the options it edits (left out of the
    generated fields); `act(action, form)` handles its own buttons (here: read a sample file);
    `is_valid()` and `config()` give the values to save with the rest of the tab; `template` shows it.
    """

    template = "interfaces/_mapped_fields.html"
    title = "Mapped fields"
    choices = [("", "Not used")] + [(field, FIELD_LABELS[field]) for field in FIELDS]

    @staticmethod
    def owns(name):
        return name.startswith(PREFIX)

    def __init__(self, *, interface, kind, data=None, files=None):
        self.interface = interface
        self.files = files
        self.bound = data is not None and "map_rows" in data
        self.error = ""
        self.sample = None  # (file name, header row) once a sample was read
        self.saved = mapped(kind.defaults(interface))
        self.rows = self._posted(data) if self.bound else [
            GridRow(index=n, header=header, field=field) for n, (field, header) in enumerate(self.saved.items())]

    @staticmethod
    def _posted(data):
        try:
            count = min(max(int(data.get("map_rows", 0)), 0), MAX_COLUMNS)
        except (TypeError, ValueError):
            count = 0
        rows = []
        for n in range(count):
            header = " ".join(str(data.get(f"map_header_{n}", "")).split())[:200]
            if header:
                rows.append(GridRow(index=len(rows), header=header, field=str(data.get(f"map_field_{n}", "")),
                                    example=str(data.get(f"map_example_{n}", ""))[:200]))
        return rows

    # --- Reading a sample file --------------------------------------------------------------------
    def act(self, action, form):
        """Handle the section's own button; False for an action it does not know."""
        if action != "read_sample":
            return False
        upload = (self.files or {}).get("map_sample")
        if not upload:
            self.error = "Choose a sample file first."
            return True
        delimiter = form.option_value("delimiter")
        skip = max(form.option_value("header_skip_lines") or 0, 0)
        try:
            row, columns = read_sample_header(upload, delimiter=delimiter, skip=skip)
        except SampleError as error:
            self.error = str(error)
            return True
        finally:
            upload.close()
        current = {normalise_header(r.header): r.field for r in self.rows if r.field}
        if not self.bound:
            current = {normalise_header(header): field for field, header in self.saved.items()}
        guesses = {normalise_header(label): field for field, label in FIELD_LABELS.items()}
        guesses.update({normalise_header(field.replace("_", " ")): field for field in FIELDS})
        taken = set(current.values())
        rows = []
        for n, (header, example) in enumerate(columns):
            key = normalise_header(header)
            field = current.get(key, "")
            if not field and guesses.get(key) and guesses[key] not in taken:
                field = guesses[key]
                taken.add(field)
            rows.append(GridRow(index=n, header=header, field=field, example=example))
        self.rows = rows
        self.sample = (upload.name, row)
        return True

    # --- Saving -------------------------------------------------------------------------------------
    def is_valid(self):
        used, headers = {}, {}
        for row in self.rows:
            headers.setdefault(normalise_header(row.header), []).append(row)
        for row in self.rows:
            if row.field and row.field not in FIELDS:
                row.error = "Choose one of the statement fields."
            elif row.field and row.field in used:
                row.error = f"{FIELD_LABELS[row.field]} is already mapped to '{used[row.field].header}'."
            elif row.field and len(headers[normalise_header(row.header)]) > 1:
                row.error = f"The file has more than one column '{row.header}', so it cannot be mapped."
            elif row.field:
                used[row.field] = row
        return not any(row.error for row in self.rows)

    @property
    def has_errors(self):
        """A mapping that cannot be saved (a sample that could not be read is reported on its own)."""
        return any(row.error for row in self.rows)

    def config(self):
        """The `map.*` options to store: the mapped fields only."""
        if not self.bound:
            return {PREFIX + field: header for field, header in self.saved.items()}
        return {PREFIX + row.field: row.header for row in self.rows if row.field}

    @staticmethod
    def warnings(options):
        """Shown after saving: what the mapped layout still lacks (runs fail until it is complete)."""
        if options.get("layout") == "canonical":
            return []
        problems = mapping_problems(options)
        if problems:
            return ["The mapping is incomplete (" + "; ".join(problems) + "): runs of this interface will fail until "
                    "it is complete."]
        return []
