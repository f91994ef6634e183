"""What every bank statement interface shares (import-formats §6): the statement line, finding the
bank account, the checks, layered duplicate detection, statements, the overlap warning, the
balance check and the canonical produced file.

A format module subclasses `BankStatementKind` and implements `reader(ctx, handle, encoding)`,
returning a reader whose `records()` yields `Record`s with a parsed `BankLine` in
`record.values["_line"]` (or reading errors in `record.errors`, with the format's own column
names). Everything after parsing is here.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max

from finance.audit.services import event_record
from finance.banking.models import BankAccount, BankStatement, BankStatementLine
from finance.dataformats.columns import BANK_STATEMENT_COLUMNS
from finance.dataformats.dates import format_date

from ... import copytext
from ..tabular import CREATED, DUPLICATE, ERROR, SKIPPED, FileRejected, RowResult, TabularKind
from ..base import Option

LIMITS = {"description": 500, "reference": 100, "type": 35, "cheque_no": 20, "transaction_id": 100}
NEWEST_FIRST_SPAN = 1_000_000_000  # seq room for a newest-first file: its lines count down
ZERO = Decimal("0")


def bank_options(**extra):
    """`encoding`, `partial` and `bank_account` (§6.8), plus the format's own."""
    options = {
        "encoding": Option(str, "auto", label="Encoding", choices=[("auto", "Detect (UTF-8, else Windows-1252)"),
                                                                   ("utf-8", "UTF-8"), ("windows-1252", "Windows-1252")]),
        "partial": Option(bool, False, label="Commit valid lines",
                          help="Import the lines without errors and list the others; otherwise one error stops the whole file."),
        "bank_account": Option(str, "", label="Bank account",
                               help="For files that do not name their account; given for one run, it restricts the file to that account."),
    }
    options.update(extra)
    return options


@dataclass
class BankLine:
    """One statement line as a format read it: values already parsed, plus the account identity."""

    date: date | None = None
    amount: Decimal | None = None
    value_date: date | None = None
    currency: str = ""
    description: str = ""
    reference: str = ""
    type: str = ""
    cheque_no: str = ""
    transaction_id: str = ""
    balance: Decimal | None = None
    # Account identity as the file gives it (any one of these).
    sort_code: str = ""
    account_no: str = ""
    iban: str = ""
    account_code: str = ""
    account_text: str = ""  # the account cell as read, for B01's value
    account_column: str | None = None  # where B01 is reported
    account_row: int | None = None  # B01 on another row (a preamble record); None: this line's row
    # The identity is the statement's, given once (OFX, CAMT.053, MT940): an account that is not set up is
    # one error at (account_row, account_column), and the statement's lines are skipped (§6.2).
    statement_account: bool = False
    account_problem: str = ""  # the format could not read the statement's identity: the B08 message
    currency_column: str | None = None
    column_names: dict = field(default_factory=dict)  # field -> the format's column, for E05
    skip: str = ""  # why the line is deliberately not imported (STATUS U (uncleared), ...)
    # The statement's own balances, where the format gives them (CAMT.053, MT940): §6.6.
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None

    @property
    def identity(self):
        if self.account_code:
            return ("code", self.account_code.upper())
        if self.iban:
            return ("iban", self.iban.replace(" ", "").upper())
        if self.sort_code or self.account_no:
            return ("sort", self.sort_code.replace("-", "").replace(" ", ""), self.account_no)
        return None


def normalise(text):
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).upper().split())


def fingerprint(account_code, line):
    raw = f"{account_code}|{line.date.isoformat()}|{line.amount:.2f}|{normalise(line.description)}|{normalise(line.reference)}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def describe_identity(identity):
    if identity[0] == "iban":
        return f"Bank account with IBAN {identity[1]} is not set up"
    if identity[0] == "code":
        return f"Bank account '{identity[1]}' does not exist"
    sort = identity[1]
    sort = f"{sort[0:2]}-{sort[2:4]}-{sort[4:6]}" if len(sort) == 6 else sort
    return f"Bank account {sort} {identity[2]} is not set up"


class Accounts:
    """The environment's bank accounts, by sort code and number, IBAN and code (one query)."""

    def __init__(self, tenant):
        self.by_sort, self.by_iban, self.by_code, self.by_id = {}, {}, {}, {}
        self._found = {}  # identity -> account (or None): the lines of a file name few accounts
        for account in BankAccount.objects.filter(tenant=tenant).select_related("currency"):
            self.by_id[account.pk] = account
            self.by_code[account.code.upper()] = account
            if account.sort_code and account.account_no:
                self.by_sort[(account.sort_code.replace("-", ""), account.account_no)] = account
            if account.iban:
                self.by_iban[account.iban.replace(" ", "").upper()] = account

    def find(self, identity):
        if identity is None:
            return None
        found = self._found.get(identity, self)
        if found is self:
            if identity[0] == "code":
                found = self.by_code.get(identity[1])
            elif identity[0] == "iban":
                found = self.by_iban.get(identity[1])
            else:
                found = self.by_sort.get((identity[1], identity[2]))
            self._found[identity] = found
        return found


class BankStatementKind(TabularKind):
    """A bank statement interface: parsing is the format's; the rest is §6."""

    columns = BANK_STATEMENT_COLUMNS
    mandatory = ()
    produced_name = "Bank statement file import.csv"
    extra_produced_columns = ("_dedupe_key",)
    failed_rows_file = False  # a bank's file is fixed at the bank: import it again after a correction
    newest_first = False  # files that list the latest line first (stored in date order anyway)

    def begin(self, job):
        ctx = job.ctx
        accounts = Accounts(job.tenant)
        job.state.update(accounts=accounts, counters={}, ids={}, ranges={}, booked={}, other=0, chosen=0, statements={},
                         next_seq={}, balances={}, restrict=None, default=None)
        given = ctx.run.options.get("bank_account", "")  # only a run's own choice restricts the file
        configured = (ctx.interface.config or {}).get("bank_account", "")
        if given:
            account = accounts.by_code.get(str(given).strip().upper())
            if account is None:
                raise FileRejected((None, "bank_account", f"Bank account '{given}' does not exist"))
            job.state["restrict"] = job.state["default"] = account
        elif configured:
            job.state["default"] = accounts.by_code.get(str(configured).strip().upper())

    # --- Checking -------------------------------------------------------------------------------
    def _account(self, job, result, line, identity, account):
        """The line's bank account (`account`: the one its `identity` names), or None with B01."""
        if identity is None:
            account = job.state["default"]
            if account is None:
                result.error(None, None, "Cannot identify the bank account: the file does not name it and no bank_account "
                                         "option is set")
            return account
        if account is None:
            value = line.account_text or line.account_no or line.iban or line.account_code
            # A code is named as written (E07 quotes the value as read), not upper-cased.
            message = f"Bank account '{line.account_code}' does not exist" if identity[0] == "code" else describe_identity(identity)
            result.error(line.account_column, value if line.account_row is None else None, message)
        return account

    @staticmethod
    def _is_chosen(job, line, identity, found):
        """The line names the account the run is restricted to (or none, so it takes that one)."""
        if line.account_problem:
            return False
        if identity is None:
            return not line.skip  # a line skipped before its account was read names no account
        return found is not None and found.id == job.state["restrict"].id

    @staticmethod
    def _statement_account_unknown(line, identity, found):
        return line.statement_account and (bool(line.account_problem) or (identity is not None and found is None))

    def _statement_account_missing(self, job, result, line):
        """A statement's own account identity matches no bank account (B01) or cannot be read (B08):
        one error for the statement, its lines skipped (not validated); a run restricted to one
        account skips them as another account's."""
        state = job.state
        message = line.account_problem or describe_identity(line.identity)
        result.outcome, result.note = SKIPPED, message
        result.output = self._output(line, None, "")
        if state["restrict"] is not None:
            result.note = "Not the bank account chosen for this run"
            state["other"] += 1
        else:
            job.shared_error(message, row=line.account_row, column=line.account_column)
        return None

    def check_chunk(self, job, records):
        state = job.state
        restrict = state["restrict"]
        find = state["accounts"].find
        pending = []  # (result, account, line, key)
        results = []
        for record in records:
            result = RowResult(record=record)
            results.append(result)
            line = record.values.get("_line")
            if line is not None:
                identity = line.identity
                found = find(identity)
                if restrict is not None and self._is_chosen(job, line, identity, found):
                    state["chosen"] += 1
                if line.statement_account and self._statement_account_unknown(line, identity, found):
                    self._statement_account_missing(job, result, line)
                    continue
            for column, value, message in record.errors:
                result.error(column, value, message)
            if result.outcome == ERROR or line is None:
                if line is None and result.outcome != ERROR:
                    result.error(None, None, "The line could not be read")
                continue
            if line.skip:
                result.outcome, result.note = SKIPPED, line.skip
                result.output = self._output(line, None, "")
                continue
            if restrict is not None and identity is not None:
                # The run is for one account: a line for any other is skipped, not validated (§6.2).
                if found is None or found.id != restrict.id:
                    result.outcome = SKIPPED
                    result.note = f"Not for bank account {restrict.code}, which this run is restricted to"
                    result.output = self._output(line, found, "")
                    state["other"] += 1
                    continue
            account = self._account(job, result, line, identity, found)
            if account is None:
                continue
            currency = (line.currency or "").strip().upper()
            if currency and currency != account.currency.code.upper():
                result.error(line.currency_column, line.currency,
                             f"Currency {currency} does not match bank account {account.code} currency {account.currency.code}")
            for name, limit in LIMITS.items():
                value = getattr(line, name)
                if len(value) > limit:
                    column = line.column_names.get(name, name)
                    result.error(column, value, f"Value for {column} is too long ({len(value)} characters, maximum {limit})")
            if result.outcome == ERROR:
                continue
            if line.transaction_id:
                key = f"id:{line.transaction_id}"
                seen = state["ids"].setdefault(account.id, set())
                if key in seen:
                    if not job.recheck:  # said once, in the pass that reports
                        job.ctx.warning(f"Transaction id '{line.transaction_id}' appears more than once in the file")
                    result.outcome, result.note = DUPLICATE, "The same transaction id is earlier in this file"
                    result.output = self._output(line, account, key)
                    self._track(state, account, line)
                    continue
                seen.add(key)
            else:
                h = fingerprint(account.code, line)
                counters = state["counters"]
                n = counters[(account.id, h)] = counters.get((account.id, h), 0) + 1
                key = f"fp:{h}#{n}"
            pending.append((result, account, line, key))
        if pending:
            self._duplicates(job, pending)
        return results

    def _duplicates(self, job, pending):
        """Mark lines whose (account, key) is already stored, outside voided statements: one lean
        query per account for the chunk's keys (`_stored`), and the earlier statements (few)
        fetched once for the whole run."""
        state = job.state
        by_account = {}  # account id -> (keys, days of the fingerprinted lines)
        for _result, account, line, key in pending:
            keys, days = by_account.setdefault(account.id, ([], set()))
            keys.append(key)
            if key.startswith("fp:"):
                days.add(line.date)
        found = []
        for account_id, (keys, days) in by_account.items():
            found.extend((account_id, key, statement_id, day)
                         for key, statement_id, day in _stored(job, account_id, keys, days))
        statements = state.setdefault("earlier", {})
        missing = {statement_id for _, _, statement_id, _ in found} - set(statements)
        if missing:
            for st in BankStatement.objects.filter(pk__in=missing).select_related("created_by"):
                statements[st.pk] = st
        existing = {}
        for account_id, key, statement_id, day in found:
            if statements[statement_id].voided_at is None:  # a voided statement's lines left the account
                existing[(account_id, key)] = (statement_id, day)
        date_format = job.tenant.date_format
        notes = state.setdefault("notes", {})
        track, output = self._track, self._output
        for result, account, line, key in pending:
            result.output = output(line, account, key)
            track(state, account, line)
            earlier = existing.get((account.id, key)) if existing else None
            if earlier is not None:
                result.outcome = DUPLICATE
                note = notes.get(earlier)
                if note is None:
                    st = statements[earlier[0]]
                    who = st.created_by.email if st.created_by_id else "the system"
                    note = notes[earlier] = (
                        f"Duplicate of the line of {format_date(earlier[1], date_format)} in the statement "
                        f"{format_date(st.from_date, date_format)} to {format_date(st.to_date, date_format)}, "
                        f"imported {format_date(st.created_at, date_format)} by {who}"
                        + (f" (run {st.run_ref[:8]})" if st.run_ref else ""))
                result.note = note
            else:
                result.outcome = CREATED
                result.payload = (account, line, key)

    @staticmethod
    def _track(state, account, line):
        """The account's date range and booked total (the overlap warning and the balance check)."""
        account_id, day = account.id, line.date
        ranges = state["ranges"]
        span = ranges.get(account_id)
        if span is None:
            ranges[account_id] = (day, day)
        elif day < span[0]:
            ranges[account_id] = (day, span[1])
        elif day > span[1]:
            ranges[account_id] = (span[0], day)
        booked = state["booked"]
        booked[account_id] = booked.get(account_id, ZERO) + line.amount
        if line.opening_balance is not None or line.closing_balance is not None:
            state["balances"][account_id] = (line.opening_balance, line.closing_balance)

    @staticmethod
    def _output(line, account, key):
        day, value_day = line.date, line.value_date
        return {
            "bank_account": account.code if account else "",
            "date": f"{day.day:02d}/{day.month:02d}/{day.year:04d}" if day else "",
            "value_date": f"{value_day.day:02d}/{value_day.month:02d}/{value_day.year:04d}" if value_day else "",
            "amount": "" if line.amount is None else f"{line.amount:.2f}",
            "currency": (line.currency or (account.currency.code if account else "")),
            "description": line.description, "reference": line.reference, "type": line.type, "cheque_no": line.cheque_no,
            "transaction_id": line.transaction_id, "balance": "" if line.balance is None else f"{line.balance:.2f}",
            "_dedupe_key": key,
        }

    def after_check(self, job):
        """Warnings of the whole file: other accounts skipped, overlapping statements, balances."""
        state = job.state
        _written(job)
        if state["other"]:
            job.ctx.warning(f"{state['other']} lines for other bank accounts were skipped")
            if not state["chosen"]:  # B07: the account chosen for the run has no line in the file
                job.shared_error(f"The file contains no lines for bank account {state['restrict'].code}", blocked=state["other"])
        fmt = job.tenant.date_format
        accounts = state["accounts"].by_id
        for account_id, (low, high) in state["ranges"].items():
            earlier = (BankStatement.objects.filter(tenant=job.tenant, bank_account_id=account_id, voided_at__isnull=True,
                                                    from_date__lte=high, to_date__gte=low)
                       .exclude(run_ref=str(job.ctx.run.uuid)).order_by("-created_at", "-id").first())
            if earlier is not None:
                job.ctx.warning(
                    f"Statement dates {format_date(low, fmt)} to {format_date(high, fmt)} for bank account "
                    f"{accounts[account_id].code} overlap an earlier import (run {earlier.run_ref[:8]}, "
                    f"{format_date(earlier.from_date, fmt)} to {format_date(earlier.to_date, fmt)})")
        for account_id, (opening, closing) in state["balances"].items():
            if opening is None or closing is None or account_id not in state["booked"]:
                continue
            expected = opening + state["booked"][account_id]
            if expected != closing:
                job.ctx.warning(f"Closing balance {closing:.2f} for bank account {accounts[account_id].code} does not "
                                f"equal opening balance plus lines ({expected:.2f})")

    # --- Writing --------------------------------------------------------------------------------
    def _statement(self, job, account):
        state = job.state
        statement = state["statements"].get(account.pk)
        if statement is None:
            low, high = state["ranges"][account.pk]
            opening, closing = state["balances"].get(account.pk, (None, None))
            statement = BankStatement.objects.create(
                tenant=job.tenant, bank_account=account, run_ref=str(job.ctx.run.uuid), from_date=low, to_date=high,
                opening_balance=opening, closing_balance=closing, created_by=job.ctx.actor,
            )
            state["statements"][account.pk] = statement
            top = BankStatementLine.objects.filter(tenant=job.tenant, bank_account=account).aggregate(m=Max("seq"))["m"] or 0
            state["next_seq"][account.pk] = top + 1 + (NEWEST_FIRST_SPAN if self.newest_first else 0)
        return statement

    def write_chunk(self, job, results):
        from django.db import connection

        state = job.state
        _written(job)
        statements, next_seq = state["statements"], state["next_seq"]
        step = -1 if self.newest_first else 1
        tenant_id = job.tenant.pk
        copy = connection.vendor == "postgresql"  # rows as COPY text, else as tuples of COPY_FIELDS
        rows = []
        added = {}  # account id -> lines written in this chunk
        for result, uuid_text in zip(results, new_uuids(len(results))):
            account, line, key = result.payload
            account_id = account.id
            statement = statements.get(account_id) or self._statement(job, account)
            seq = next_seq[account_id]
            next_seq[account_id] = seq + step
            added[account_id] = added.get(account_id, 0) + 1
            if copy:
                rows.append(
                    f"{uuid_text}\t{tenant_id}\t{statement.id}\t{account_id}\t{seq}\t{line.date.isoformat()}\t"
                    f"{copytext.day(line.value_date)}\t{line.amount:f}\t{account.currency_id}\t"
                    f"{copytext.text(line.description)}\t{copytext.text(line.reference)}\t{copytext.text(line.type)}\t"
                    f"{copytext.text(line.cheque_no)}\t{copytext.text(line.transaction_id)}\t"
                    f"{copytext.decimal(line.balance)}\t{copytext.text(key)}\n")
            else:
                rows.append((uuid_text, tenant_id, statement.id, account_id, seq, line.date, line.value_date, line.amount,
                             account.currency_id, line.description, line.reference, line.type, line.cheque_no,
                             line.transaction_id, line.balance, key))
        for account_id, count in added.items():
            statements[account_id].line_count += count
        _insert_lines(job, "".join(rows) if copy else rows)

    def finish(self, job, counts):
        ctx = job.ctx
        _written(job)
        for account_id, statement in job.state["statements"].items():
            statement.from_date, statement.to_date = job.state["ranges"][account_id]
            statement.save(update_fields=["line_count", "from_date", "to_date"])
        event_record(
            tenant=job.tenant, user=ctx.actor, action="bank_statements.imported", interface=ctx.interface, run_ref=ctx.run.uuid,
            message=(f"{ctx.interface.description}: {counts['created']} statement lines imported into "
                     f"{len(job.state['statements'])} statement(s); {counts['duplicates']} duplicates skipped."),
            after={name: counts[name] for name in ("rows", "created", "duplicates", "skipped", "errors")},
        )


COPY_FIELDS = ("uuid", "tenant_id", "statement_id", "bank_account_id", "seq", "date", "value_date", "amount", "currency_id",
               "description", "reference", "type", "cheque_no", "transaction_id", "balance", "dedupe_key")


def new_uuids(count):
    """`count` random (version 4) UUIDs as 32 hex digits, as COPY and the UUID field take them: one
    call for the randomness of a whole chunk."""
    data = bytearray(os.urandom(16 * count))
    data[6::16] = bytes(b & 0x0F | 0x40 for b in data[6::16])  # version 4
    data[8::16] = bytes(b & 0x3F | 0x80 for b in data[8::16])  # RFC 4122 variant
    text = data.hex()
    return [text[i:i + 32] for i in range(0, 32 * count, 32)]


DAYS_SQL = (
    # The account's lines on the given days: one range of stmtline_account_date per day (the days
    # unnested and each looked up on its own, OFFSET 0 keeping it a parameterised probe; no other
    # index starts with the tenant or the account), whatever the planner's statistics say.
    'SELECT line.dedupe_key, line.statement_id, line.date FROM unnest(%s::date[]) AS d(day) CROSS JOIN LATERAL ('
    'SELECT l.dedupe_key, l.statement_id, l.date FROM "{lines}" l WHERE l.tenant_id = %s AND l.bank_account_id = %s '
    "AND l.date = d.day OFFSET 0) AS line"
).format(lines=BankStatementLine._meta.db_table)
ID_LOOKUP_SQL = (
    # One probe of stmtline_id_key per key, whatever the planner's statistics say (a table or an
    # account that grew within this very transaction has none): the keys are unnested and each one
    # looked up on its own (OFFSET 0 keeps the subquery a parameterised probe), and the tenant and
    # account conditions are written as filters (`+ 0`) so that no index on those columns (a scan of
    # all the account's lines for every key) can be chosen instead. The LIKE is the index's own
    # condition, so the planner may use it.
    'SELECT k.key, line.statement_id, line.date FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL ('
    'SELECT l.statement_id, l.date FROM "{lines}" l WHERE l.dedupe_key = k.key AND l.dedupe_key::text LIKE \'id:%%\' '
    "AND l.tenant_id + 0 = %s AND l.bank_account_id + 0 = %s OFFSET 0) AS line"
).format(lines=BankStatementLine._meta.db_table)


def _stored(job, account_id, keys, days):
    """(dedupe key, statement id, date) of the account's stored lines whose key is one of `keys`
    (voided statements' lines included: the caller knows the statements). A fingerprint (`fp:`)
    covers the line's date, so a stored line with the same one is on the same day: those are
    looked for among the account's lines of `days` (the days of the chunk's fingerprinted lines);
    bank transaction ids (`id:`) by key."""
    from django.db import connection

    wanted = set(keys)
    ids = [key for key in keys if key.startswith("id:")]
    if connection.vendor != "postgresql":
        lines = BankStatementLine.objects.filter(tenant_id=job.tenant.pk, bank_account_id=account_id).order_by()
        found = list(lines.filter(date__in=days).values_list("dedupe_key", "statement_id", "date")) if days else []
        if ids:
            found += lines.filter(dedupe_key__in=ids).values_list("dedupe_key", "statement_id", "date")
        return [row for row in found if row[0] in wanted]
    found = []
    _written(job)
    with connection.cursor() as cursor:
        if connection.in_atomic_block and not job.state.get("jit_off"):
            # The planner prices a chunk's probes high enough to compile the query to machine
            # code (JIT), which takes far longer than the probes themselves: not in this import.
            cursor.execute("SET LOCAL jit = off")
            job.state["jit_off"] = True
        if days:
            cursor.execute(DAYS_SQL, [sorted(days), job.tenant.pk, account_id])
            found += cursor.fetchall()
        if ids:
            cursor.execute(ID_LOOKUP_SQL, [ids, job.tenant.pk, account_id])
            found += cursor.fetchall()
    return [row for row in found if row[0] in wanted]


def _insert_lines(job, rows):
    """Insert statement lines: on PostgreSQL `rows` is their COPY text (COPY_FIELDS), sent on a
    thread of its own (`LinesWriter`); elsewhere tuples of COPY_FIELDS, for bulk inserts."""
    from django.db import connection

    if connection.vendor != "postgresql":
        BankStatementLine.objects.bulk_create(
            [BankStatementLine(**dict(zip(COPY_FIELDS, row))) for row in rows], batch_size=2000)
        return
    writer = job.state.get("writer")
    if writer is None:
        connection.ensure_connection()
        if connection.in_atomic_block:
            # Foreign keys are checked as each chunk is written (on the writer's thread, while the
            # next chunk is read), not all at the commit: Django declares them deferrable.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        writer = job.state["writer"] = LinesWriter(connection.connection)
    writer.start(rows)


def _written(job):
    """Wait for the lines being written (PostgreSQL); raises what writing them raised."""
    writer = job.state.get("writer")
    if writer is not None:
        writer.wait()


class LinesWriter:
    """Writes a chunk's statement lines with COPY on a thread of its own, on the import's own
    connection (so in its transaction), while the worker's thread reads and checks the next chunk:
    PostgreSQL stores the lines, updates their indexes and checks their foreign keys meanwhile, and
    the thread spends that time waiting on the socket, without the interpreter lock. `start`
    returns once the COPY holds the connection's lock, so anything the worker's thread does on the
    connection afterwards (a query, the rollback) waits for the COPY to end; the kind calls `wait`
    (`_written`) before its own queries, which also raises a failed COPY's error."""

    def __init__(self, raw):
        self.raw = raw
        self.thread = None
        self.error = None

    def start(self, text):
        """Send `text` (COPY text of COPY_FIELDS) once the previous chunk's is written."""
        self.wait()
        started = threading.Event()
        table = BankStatementLine._meta.db_table
        data = text.encode("utf-8")

        def write():
            try:
                with self.raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({", ".join(COPY_FIELDS)}) FROM STDIN') as copy:
                    started.set()
                    copy.write(data)
            except BaseException as error:  # noqa: BLE001 - raised again by wait()
                self.error = error
            finally:
                started.set()

        self.thread = threading.Thread(target=write, name="statement-lines-copy", daemon=True)
        self.thread.start()
        started.wait()

    def wait(self):
        if self.thread is None:
            return
        self.thread.join()
        self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error
