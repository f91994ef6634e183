"""Benchmark: the Contact import of a generated contact file on PostgreSQL, end to end, against
django-import-export (default and bulk modes) and a raw bulk-insert floor; peak memory of our
import at 100,000 and 1,000,000 rows.

    python bench/import_contacts.py       # 100,000 rows, every contender; memory at 1,000,000 too (~15 min)
    python bench/import_contacts.py --rows 20000 --ie-default-rows 2000 --memory-rows ""   # ~1 min
    python bench/import_contacts.py --only ours --rows 1000000 --memory-rows ""
    python bench/import_contacts.py --only ours --profile --memory-rows ""  # cProfile of our import

The file has all 45 template columns with valid values against the demo data of `seed_demo`
(references, UK postcodes, VAT numbers, sort codes, IBANs, phones; persons and companies, line
breaks in addresses, thousands separators in credit limits). Each contender runs in its own
process on its own copy of a freshly migrated and seeded database (PostgreSQL at 127.0.0.1:5432,
or BENCH_POSTGRES_URL; the copies are created and dropped here), and imports the same file:

- ours: `run_request(..., enqueue=False)` then `engine.execute`, exactly as `run_interface` does:
  the file stored in the Imports folder, the check pass, the write pass in one transaction, the
  produced file; writes the account, its address, contact person and bank record;
- django-import-export (in requirements.lock, not an app of the product): a `ModelResource` over
  the account's own 30 columns, in its default mode (on the file's first 10,000 rows unless
  --ie-default-rows says otherwise: its rate does not depend on the length, and all 100,000 rows
  would take a quarter of an hour) and in bulk mode (`use_bulk`, `skip_diff`,
  `CachedInstanceLoader`: its documented speed settings);
- raw floor: the account rows read with `csv` and written with psycopg's `COPY` (and, for
  reference, `executemany`), no validation at all (the table's foreign keys check each row, as
  for any insert); and, like for like, the same four tables ours writes (account, address,
  contact person, bank record) from the same file with `COPY`, still without any check. For
  reference too, the account rows with the table's triggers off: no foreign key checked at all
  (ours checks them once per distinct reference and batch instead of once per row, see
  `finance/contacts/bulk.py`).

Wall time runs from opening the file to the commit; rows/s = rows / wall time. Peak memory is the
child process's RSS high-water mark (`os.wait4`'s `ru_maxrss`, KiB on Linux), Django and the
interpreter included; the CPU of the process and of its PostgreSQL backend (read from /proc when
the server is on the same machine) and the WAL written are printed too, since on a shared machine
the wall time also holds waiting for a core. Targets: at least 10x import-export's default mode and 2x its bulk mode, at least half
the raw COPY floor's rows/s (both floors are printed), and peak memory that does not grow with the file (under 250 MB at
1,000,000 rows).
"""

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _bench_kek():
    """A key-encryption key for the benchmark's own environment (production settings need one)."""
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    os.environ["VAULT_KEKS"] = key
    return key

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench_contacts")
TEMPLATE_DB = PG_URL.rsplit("/", 1)[1] + "_template"
RUN_DB = PG_URL.rsplit("/", 1)[1]

CONTENDERS = ("ours", "ie-default", "ie-bulk", "floor-copy", "floor-copy-all", "floor-executemany", "floor-copy-untriggered")
LABELS = {
    "ours": "Contact import (ours)",
    "ie-default": "import-export, default mode",
    "ie-bulk": "import-export, use_bulk=True",
    "floor-copy": "raw floor: COPY",
    "floor-copy-all": "raw floor: COPY, 4 tables",
    "floor-executemany": "raw floor: executemany",
    "floor-copy-untriggered": "raw floor: COPY, no FK checks",
}
WRITES = {
    "ours": "input file stored, one pass that checks and writes in one transaction (PostgreSQL): all 45 columns checked with "
            "the §3 rules, account + address + person + bank record, produced file of every row, run counts",
    "ie-default": "the 30 account columns, no §3 rules; per row: lookup by code, save(), diff; "
                  "references from a per-run cache (its ForeignKeyWidget would query per cell)",
    "ie-bulk": "as default mode with use_bulk=True, batch_size=1000, skip_diff=True and "
               "CachedInstanceLoader (its documented speed settings; one query for the existing codes)",
    "floor-copy": "the account rows only: csv.reader, references mapped from dicts, psycopg COPY; no checks",
    "floor-copy-all": "the same rows ours writes: account + address + person + bank record of every row, csv.reader, "
                      "references mapped from dicts, ids from the sequence, psycopg COPY into the 4 tables; no checks",
    "floor-executemany": "as COPY, with cursor.executemany (psycopg pipeline) instead",
    "floor-copy-untriggered": "as COPY, with the table's triggers off (session_replication_role): no foreign key is "
                              "checked at all, by row or by set",
}


# --- The file ------------------------------------------------------------------------------------

COLUMNS = (
    "is_customer,is_supplier,is_resource,is_staff,is_lead,code,account_description,contact_type,company_name,"
    "first_name,last_name,contact_description,contact_classification,job_title,legacy_ref,company_no,tax_authority,"
    "tax_no,country_code,contact_group,resource_group,customer.project,customer.cost_centre,customer.department,"
    "resource.project,resource.cost_centre,resource.department,pay_term,pay_method,currency,credit_limit,"
    "address.address,address.town,address.county,address.postcode,address.country_code,address.accept_delivery_flag,"
    "contact.email,contact.phone,contact.mobile,bank.account_name,bank.sort_code,bank.account_no,bank.iban,bank.bic"
).split(",")

WORDS = ("Acme Anchor Beacon Birch Bright Cedar Clear Copper Crest Delta Demo Eagle Example Fabrikam Falcon Harbour "
         "Hazel Heron Kestrel Lark Maple Meadow North Oak Orbit Pioneer Sample Silver Specimen Summit Tailspin "
         "Thistle Vale Willow Wingtip").split()
TRADES = ("Stationery", "Catering", "Coaches", "Cleaning Services", "Music Tuition", "Uniforms", "Energy", "Print",
          "Facilities", "IT Services", "Books", "Sports", "Transport", "Consulting", "Grounds Maintenance")
SUFFIXES = ("Ltd", "Ltd", "Ltd", "LLP", "plc", "& Co", "Trust")
FIRST = ("Alex", "Sam", "Jo", "Chris", "Robin", "Jamie", "Morgan", "Taylor", "Casey", "Jordan", "Priya", "Aisha",
         "Tomasz", "Siobhan", "Dylan", "Zoë", "Mateusz", "Chloé")
LAST = ("Example", "Sample", "Specimen", "Demo", "Test", "Placeholder", "O'Neill", "Smith-Jones", "Nowak", "Khan",
        "Williams", "Brown", "Evans", "Müller")
STREETS = ("Demo Lane", "Sample Street", "Specimen Road", "Example Square", "North Parade", "South Parade",
           "Sample Close", "Test Avenue", "Placeholder Way", "Mock Crescent")
TOWNS = ("Demotown", "Exampleton", "Sampleford", "Specimen Bay", "Mockbridge", "Testbury")
COUNTIES = ("Demoshire", "Exampleshire", "Sample County", "")
EXTRA_ADDRESS = ("Suite 3", "Unit 7", "Floor 2", "Building B")
CLASSIFICATIONS = ("LA", "EDU", "UTIL", "CATER", "TRANS", "RETAIL", "PARENT", "OTHER")
CUSTOMER_GROUPS = ("CUST-LA", "CUST-GEN", "CUST-TRADE")
SUPPLIER_GROUPS = ("SUPP-GEN", "SUPP-UTIL", "SUPP-EDU")
PROJECTS = ("ROOF26", "TRIP26")
COST_CENTRES = ("CEN", "NUR", "PRI", "SEC", "SIX", "SHOP")
DEPARTMENTS = ("ADMIN", "TEACH", "SEN", "PREM", "CATER", "ICT", "TRADE")
PAY_TERMS = ("IMM", "14D", "30D", "60D", "EOM30")
PAY_METHODS = ("BACS", "CHQ", "DD", "CARD", "FP")
LIMITS = ("500", "1,500.00", "2500.5", "10000.00", "£750", "25,000")
ABROAD = {"DE": ("Musterstadt", "10115", "DE", 22), "IE": ("Dublin", "D02 X285", "IE", 22), "FR": ("Exempleville", "75001", "FR", 27)}
LETTERS = "ABCDEFGHJKLMNPRSTUWXYZ"


def _iban(country, bban):
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _postcode(rng):
    area = rng.choice(("ZZ", "Z", "AB", "B", "M", "LS", "SW", "EC", "NE", "G"))
    district = str(rng.randint(1, 9)) + rng.choice(("", "", "", str(rng.randint(0, 9)), rng.choice("ABCEHJKMNPRSTUVWXY")))
    inward = f"{rng.randint(0, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
    text = f"{area}{district} {inward}"
    roll = rng.random()
    if roll < 0.1:
        return text.lower()
    if roll < 0.2:
        return text.replace(" ", "")
    return text


def contact_row(n, rng):
    """One valid row of the Contact import template (every column), for row `n`."""
    r = dict.fromkeys(COLUMNS, "")
    role = rng.random()
    customer = role < 0.55 or 0.85 <= role < 0.93
    supplier = 0.55 <= role < 0.93
    r["is_customer"] = "y" if customer else "n"
    r["is_supplier"] = "y" if supplier else "n"
    resource_ = 0.93 <= role < 0.96
    if resource_:
        r["is_resource"] = "y"
    elif role >= 0.98:
        r["is_staff"] = "y"
    elif role >= 0.96:
        r["is_lead"] = "y"
    else:
        r["is_resource"] = rng.choice(("n", ""))
    r["code"] = f"BC{n:07d}" if n % 20 else f"bc-{n:07d}/x"
    person = customer and not supplier and rng.random() < 0.3 or r["is_staff"] == "y"
    country = "GB" if rng.random() < 0.9 else rng.choice(("DE", "IE", "FR"))
    town = rng.choice(TOWNS)
    if person:
        r["contact_type"] = "P"
        r["first_name"], r["last_name"] = rng.choice(FIRST), rng.choice(LAST)
        r["contact_classification"] = rng.choice(("PARENT", "OTHER", ""))
        r["job_title"] = rng.choice(("", "", "Parent", "Finance Officer", "Governor"))
        name = f"{r['first_name']} {r['last_name']}"
    else:
        r["contact_type"] = rng.choice(("C", "C", "C", "c", ""))
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}"
        r["company_name"] = name
        r["contact_classification"] = rng.choice(CLASSIFICATIONS + ("",))
        if rng.random() < 0.5:
            r["company_no"] = f"{99200000 + n % 700000:08d}"
        if rng.random() < 0.3:
            r["account_description"] = f"{name} ({town})"
        if rng.random() < 0.05:
            r["contact_description"] = f"{name} - accounts"
    if rng.random() < 0.4:
        r["legacy_ref"] = f"EXQ{n:06d}" if rng.random() < 0.9 else f"-{n}"
    if country == "GB":
        if not person and rng.random() < 0.6:
            digits = f"999{n % 1000000:06d}"
            r["tax_no"] = rng.choice((f"GB{digits}", f"GB {digits[:3]} {digits[3:7]} {digits[7:]}", digits))
            if rng.random() < 0.1:
                r["tax_authority"] = "HMRC"
        r["country_code"] = rng.choice(("GB", "", "gb"))
        r["currency"] = rng.choice(("GBP", "", "gbp"))
        r["address.town"] = town
        r["address.county"] = rng.choice(COUNTIES)
        r["address.postcode"] = _postcode(rng)
    else:
        abroad_town, postcode, _, iban_length = ABROAD[country]
        if not person:
            r["tax_no"] = f"{country}{rng.randint(100000000, 999999999)}"
        r["country_code"] = country
        r["currency"] = "EUR"
        r["address.town"] = abroad_town
        r["address.postcode"] = postcode
        if rng.random() < 0.5:
            r["address.country_code"] = country
    r["address.address"] = f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
    if rng.random() < 0.15:
        r["address.address"] += "\n" + rng.choice(EXTRA_ADDRESS)
    group = CUSTOMER_GROUPS if customer and not supplier else SUPPLIER_GROUPS if supplier else ("",)
    r["contact_group"] = rng.choice(group + ("",))
    if customer and rng.random() < 0.3:
        r["customer.project"] = rng.choice(PROJECTS + ("",))
        r["customer.cost_centre"] = rng.choice(COST_CENTRES)
        r["customer.department"] = rng.choice(DEPARTMENTS)
    if resource_:
        r["resource_group"] = rng.choice(("STAFF", "CONTRACT"))
        r["resource.project"] = rng.choice(PROJECTS + ("",))
        r["resource.cost_centre"] = rng.choice(COST_CENTRES)
        r["resource.department"] = rng.choice(DEPARTMENTS)
    if rng.random() < 0.8:
        r["pay_term"] = rng.choice(PAY_TERMS)
        r["pay_method"] = rng.choice(PAY_METHODS)
    if rng.random() < 0.3:
        r["credit_limit"] = rng.choice(LIMITS)
    r["address.accept_delivery_flag"] = rng.choice(("", "", "", "y", "n", "Y"))
    local = name.lower().replace(" ", ".").replace("'", "").replace("&", "and")
    r["contact.email"] = f"{local[:30]}.{n}@{rng.choice(WORDS).lower()}.example"
    r["contact.phone"] = rng.choice((f"01632 960{n % 1000:03d}", f"0161 496 0{n % 1000:03d}", f"+44 1632 960{n % 1000:03d}", ""))
    if person or rng.random() < 0.2:
        r["contact.mobile"] = f"07700 900{n % 1000:03d}"
    if supplier and rng.random() < 0.7:
        r["bank.account_name"] = name
        sort, account = f"4099{n % 100:02d}", f"{50000000 + n % 10000000:08d}"
        if country == "GB":
            r["bank.sort_code"] = rng.choice((f"{sort[:2]}-{sort[2:4]}-{sort[4:]}", sort, f"{sort[:2]} {sort[2:4]} {sort[4:]}"))
            r["bank.account_no"] = account
            if rng.random() < 0.1:
                iban = _iban("GB", "DEMO" + sort + account)
                r["bank.iban"] = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
                r["bank.bic"] = "DEMOGB22"
        else:
            length = ABROAD[country][3]
            bban = f"{n:0{length - 4}d}" if country != "FR" else f"{n:0{length - 6}d}00"
            r["bank.iban"] = _iban(country, bban[:length - 4])
            r["bank.bic"] = rng.choice(("DEMODEFF", "demodeffxxx"))
    return [r[c] for c in COLUMNS]


def write_file(path, rows, seed=20260301):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for n in range(1, rows + 1):
            writer.writerow(contact_row(n, rng))


# --- The databases -------------------------------------------------------------------------------

def _admin():
    import psycopg

    return psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def _drop(conn, name):
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database():
    """A copy of the migrated and seeded template."""
    with _admin() as conn:
        _drop(conn, RUN_DB)
        conn.execute(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{TEMPLATE_DB}"')


def drop_databases():
    with _admin() as conn:
        _drop(conn, RUN_DB)
        _drop(conn, TEMPLATE_DB)


# --- The children (one process per contender) ---------------------------------------------------

def _django(database, media):
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DEBUG="false", VAULT_KEKS=os.environ.get("VAULT_KEKS") or _bench_kek(), ALLOWED_HOSTS="localhost", SECURE_SSL_REDIRECT="false", SECRET_KEY="bench-" + "k" * 60,
        VAR_DIR=media, MEDIA_ROOT=str(Path(media) / "media"), STATIC_ROOT=str(Path(media) / "static"),
        DATABASE_URL=PG_URL.rsplit("/", 1)[0] + "/" + database,
        IMPORT_MAX_BYTES=str(4 * 1024 ** 3), DJANGO_SETTINGS_MODULE="finance.settings",
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()


def _tenant():
    from finance.tenancy import scope
    from finance.tenancy.models import Tenant

    with scope.disabled():
        return Tenant.objects.get(slug="demo")


def child_prepare(args):
    _django(TEMPLATE_DB, args.media)
    from django.core.management import call_command

    from finance.tenancy.demo import seed

    call_command("migrate", verbosity=0)
    seed(out=lambda *_: None)
    return {}


def _server():
    """(CPU seconds used so far by this process's PostgreSQL backend, or None when it is not on this
    machine; the WAL position)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_current_wal_lsn()")
        pid, wal = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None, wal
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), wal


def _server_delta(start):
    """{"server_cpu": s, "wal_mb": MB} since `start` (a _server())."""
    from django.db import connection

    cpu, wal = _server()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s, %s)", [wal, start[1]])
        written = float(cursor.fetchone()[0])
    return {"server_cpu": None if cpu is None or start[0] is None else cpu - start[0], "wal_mb": written / 1024 ** 2}


def _written(tenant):
    from finance.contacts.models import ContactAccount, ContactAddress, ContactBankAccount, ContactPerson

    return {model.__name__: model.objects.filter(tenant=tenant).count()
            for model in (ContactAccount, ContactAddress, ContactPerson, ContactBankAccount)}


def child_ours(args):
    _django(RUN_DB, args.media)
    from finance.tenancy import scope
    from interfaces import engine
    from interfaces.models import Interface, RunTrigger
    from interfaces.services import run_request

    tenant = _tenant()
    with scope.activate(tenant):
        interface = Interface.objects.get(description="Contact import")
        before = _written(tenant)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        server0 = _server()
        t0 = time.perf_counter()
        with open(args.file, "rb") as handle:
            run = run_request(interface=interface, action="run", trigger=RunTrigger.COMMAND,
                              files=[(Path(args.file).name, handle)], options={}, enqueue=False)
        run = engine.execute(engine.run_for_pk(run.pk))
        seconds = time.perf_counter() - t0
        server = _server_delta(server0)
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(35)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
        run.refresh_from_db()
        after = _written(tenant)
        produced = [f.original_name for f in run.files.filter(kind="produced")]
        if run.status != "succeeded":
            errors = list(run.messages.filter(severity="error").order_by("seq")[:5].values_list("row", "column", "message"))
            raise SystemExit(f"the import did not succeed: {run.status} {run.message} {errors}")
    return {"rows": run.rows, "seconds": seconds, **server, "created": run.created,
            "written": {k: after[k] - before[k] for k in after}, "produced": produced}


def _ie_resource(tenant, bulk):
    from decimal import Decimal

    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    from finance.contacts import values
    from finance.contacts.models import ContactAccount

    class YesNo(widgets.BooleanWidget):
        def clean(self, value, row=None, **kwargs):
            return str(value or "").strip().lower() == "y"

    class Code(widgets.CharWidget):
        def clean(self, value, row=None, **kwargs):
            return str(value or "").strip().upper()

    class Amount(widgets.DecimalWidget):
        def clean(self, value, row=None, **kwargs):
            text = str(value or "").strip().replace(",", "").replace("£", "")
            return Decimal(text) if text else None

    class Reference(widgets.ForeignKeyWidget):
        """A reference by code from a dict loaded once: a kinder contender than the stock widget,
        which runs one query per cell."""

        def __init__(self, model, kind=None, default=None):
            super().__init__(model, field="code")
            queryset = model.objects.filter(tenant=tenant)
            if kind:
                queryset = queryset.filter(kind=kind)
            self.by_code = {o.code.upper(): o for o in queryset}
            self.default = default

        def clean(self, value, row=None, **kwargs):
            text = str(value or "").strip()
            return self.by_code[text.upper()] if text else self.default

    declared = {}
    for name, (model, _thing, kind) in values.REFERENCES.items():
        default = None
        if name == "currency":
            default = next(c for c in model.objects.filter(tenant=tenant) if c.is_base)
        declared[name] = fields.Field(attribute=values.ACCOUNT_ATTRS.get(name, name), column_name=values.column(name),
                                      widget=Reference(model, kind, default))
    for name in values.FLAGS:
        declared[name] = fields.Field(attribute=name, column_name=name, widget=YesNo())
    declared["code"] = fields.Field(attribute="code", column_name="code", widget=Code())
    declared["contact_type"] = fields.Field(attribute="contact_type", column_name="contact_type", widget=Code())
    declared["country_code"] = fields.Field(attribute="country_code", column_name="country_code", widget=Code())
    declared["credit_limit"] = fields.Field(attribute="credit_limit", column_name="credit_limit", widget=Amount())
    for name in ("account_description", "company_name", "first_name", "last_name", "contact_description", "job_title",
                 "legacy_ref", "company_no", "tax_no"):
        declared[name] = fields.Field(attribute=name, column_name=name, widget=widgets.CharWidget())

    class Meta:
        model = ContactAccount
        fields = tuple(declared)
        import_id_fields = ("code",)
        if bulk:  # the settings its documentation gives for speed, still creating or updating by code
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            instance_loader_class = CachedInstanceLoader

    def init_instance(self, row=None):
        return ContactAccount(tenant=tenant)

    cls = type("ContactAccountResource", (resources.ModelResource,),
               {**declared, "Meta": Meta, "init_instance": init_instance, "__module__": __name__})
    return cls()


def child_import_export(args):
    _django(RUN_DB, args.media)
    import tablib

    from finance.tenancy import scope

    tenant = _tenant()
    with scope.activate(tenant):
        before = _written(tenant)
        resource_ = _ie_resource(tenant, bulk=args.child == "ie-bulk")
        server0 = _server()
        t0 = time.perf_counter()
        with open(args.file, encoding="utf-8-sig", newline="") as handle:
            dataset = tablib.Dataset().load(handle.read(), format="csv")
        result = resource_.import_data(dataset, dry_run=False, raise_errors=True)
        seconds = time.perf_counter() - t0
        server = _server_delta(server0)
        if result.has_errors() or result.has_validation_errors():
            raise SystemExit("import-export reported errors")
        after = _written(tenant)
    return {"rows": len(dataset), "seconds": seconds, **server, "created": result.totals.get("new", 0),
            "written": {k: after[k] - before[k] for k in after}}


def child_floor(args):
    _django(RUN_DB, args.media)
    from finance.tenancy import scope

    tenant = _tenant()
    with scope.activate(tenant):
        return _floor(args, tenant)


def _floor(args, tenant):
    import uuid
    from datetime import datetime, timezone
    from decimal import Decimal

    from django.db import connection, transaction

    from finance.contacts import values
    from finance.contacts.models import ContactAccount

    refs = values.References(tenant)
    by_code = {name: {code: o.pk for code, o in refs.by_code[name].items()} for name in values.REFERENCES}
    base = refs.base_currency.pk
    flags = ("is_customer", "is_supplier", "is_resource", "is_staff", "is_lead")
    texts = ("account_description", "company_name", "first_name", "last_name", "contact_description", "job_title",
             "legacy_ref", "company_no", "tax_no")
    references = tuple(values.REFERENCES)
    columns = (["tenant_id", "uuid", "code", "contact_type", "country_code", "credit_limit", "is_active", "created_at",
                "updated_at"] + list(flags) + list(texts)
               + [f"{values.ACCOUNT_ATTRS.get(name, name)}_id" for name in references])
    table = ContactAccount._meta.db_table
    before = _written(tenant)
    server0 = _server()
    t0 = time.perf_counter()
    now = datetime.now(timezone.utc)
    rows = 0
    with open(args.file, encoding="utf-8-sig", newline="") as handle, transaction.atomic():
        reader = csv.reader(handle)
        header = next(reader)
        at = {name: header.index(name) for name in header}
        flag_at = [at[f] for f in flags]
        text_at = [at[t] for t in texts]
        ref_at = [(at[values.column(name)], by_code[name]) for name in references]
        code_at, type_at, country_at, limit_at, currency = at["code"], at["contact_type"], at["country_code"], \
            at["credit_limit"], references.index("currency")

        def account_rows(with_cells=False):
            nonlocal rows
            for cells in reader:
                rows += 1
                limit = cells[limit_at].replace(",", "").replace("£", "")
                refs_ = [table_.get(cells[i].upper()) if cells[i] else None for i, table_ in ref_at]
                if refs_[currency] is None:
                    refs_[currency] = base
                row = [tenant.pk, uuid.uuid4(), cells[code_at].upper(), cells[type_at].upper() or "C",
                       cells[country_at].upper() or "GB", Decimal(limit) if limit else None, True, now, now,
                       *[cells[i].lower() == "y" for i in flag_at], *[cells[i] for i in text_at], *refs_]
                if with_cells:
                    row.append(cells)
                yield row

        raw = connection.connection
        with raw.cursor() as cursor:
            if args.child == "floor-copy-all":
                _floor_all(cursor, at, account_rows, columns, table, tenant)
            elif args.child in ("floor-copy", "floor-copy-untriggered"):
                if args.child == "floor-copy-untriggered":
                    cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
                with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                    for row in account_rows():
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})',
                                   account_rows())
    seconds = time.perf_counter() - t0
    server = _server_delta(server0)
    after = _written(tenant)
    return {"rows": rows, "seconds": seconds, **server, "created": rows, "written": {k: after[k] - before[k] for k in after}}


FLOOR_CHUNK = 10_000


def _floor_all(cursor, at, account_rows, columns, table, tenant):
    """The like-for-like floor: every row's account, address, contact person and bank record, as
    ours writes them, with COPY and no checks. The account ids come from the table's sequence, a
    block per chunk of rows, so the other three tables can name their contact."""
    import itertools

    from finance.contacts.models import ContactAddress, ContactBankAccount, ContactPerson

    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    tenant_id = tenant.pk
    address_at = [at[f"address.{n}"] for n in ("address", "town", "county", "postcode")]
    address_country_at, delivery_at, country_at = at["address.country_code"], at["address.accept_delivery_flag"], \
        at["country_code"]
    type_at, first_at, last_at = at["contact_type"], at["first_name"], at["last_name"]
    person_at = [at[f"contact.{n}"] for n in ("email", "phone", "mobile")]
    bank_at = [at[f"bank.{n}"] for n in ("account_name", "sort_code", "account_no", "iban", "bic")]
    copies = {
        model: f'COPY "{model._meta.db_table}" ({", ".join(names)}) FROM STDIN'
        for model, names in (
            (ContactAddress, ["tenant_id", "contact_id", "address", "town", "county", "postcode", "country_code",
                              "accept_delivery", "is_primary"]),
            (ContactPerson, ["tenant_id", "contact_id", "name", "email", "phone", "mobile", "is_primary"]),
            (ContactBankAccount, ["tenant_id", "contact_id", "account_name", "sort_code", "account_no", "iban", "bic"]),
        )
    }
    source = account_rows(with_cells=True)  # each account row ends with the file's cells
    while True:
        chunk = list(itertools.islice(source, FLOOR_CHUNK))
        if not chunk:
            return
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(chunk)])
        ids = [r[0] for r in cursor.fetchall()]
        with cursor.copy(f'COPY "{table}" (id, {", ".join(columns)}) FROM STDIN') as copy:
            for pk, account in zip(ids, chunk):
                copy.write_row([pk, *account[:-1]])
        with cursor.copy(copies[ContactAddress]) as copy:
            for pk, account in zip(ids, chunk):
                cells = account[-1]
                country = cells[address_country_at].upper() or cells[country_at].upper() or "GB"
                copy.write_row([tenant_id, pk, *[cells[i] for i in address_at], country,
                                cells[delivery_at].lower() != "n", True])
        with cursor.copy(copies[ContactPerson]) as copy:
            for pk, account in zip(ids, chunk):
                cells = account[-1]
                name = f"{cells[first_at]} {cells[last_at]}" if cells[type_at].upper() == "P" else ""
                copy.write_row([tenant_id, pk, name, *[cells[i] for i in person_at], True])
        with cursor.copy(copies[ContactBankAccount]) as copy:
            for pk, account in zip(ids, chunk):
                cells = account[-1]
                bank = [cells[i] for i in bank_at]
                if any(bank):
                    copy.write_row([tenant_id, pk, *bank])


CHILDREN = {"prepare": child_prepare, "ours": child_ours, "ie-default": child_import_export,
            "ie-bulk": child_import_export, "floor-copy": child_floor, "floor-copy-all": child_floor,
            "floor-executemany": child_floor, "floor-copy-untriggered": child_floor}


# --- The parent ----------------------------------------------------------------------------------

def run_child(name, media, file=None, profile=False):
    """Run one contender in its own process; returns its result with its peak RSS (MB)."""
    command = [sys.executable, __file__, "--child", name, "--media", media]
    if file:
        command += ["--file", str(file)]
    if profile:
        command.append("--profile")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{name} failed (exit {process.returncode})")
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result


def _line(name, result):
    rate = result["rows"] / result["seconds"]
    server = f"{result['server_cpu']:5.1f} s" if result.get("server_cpu") is not None else "    ?  "
    names = {"ContactAccount": "accounts", "ContactAddress": "addresses", "ContactPerson": "people",
             "ContactBankAccount": "bank records"}
    written = ", ".join(f"{n:,} {names[k]}" for k, n in result["written"].items() if n)
    print(f"  {LABELS[name]:<29} {result['rows']:>9,} rows {result['seconds']:7.1f} s {rate:7,.0f} rows/s   CPU: process "
          f"{result['cpu']:5.1f} s, PostgreSQL {server}   WAL {result['wal_mb']:5.0f} MB   peak RSS {result['peak_mb']:4.0f} MB",
          flush=True)
    print(f"  {'':<29} wrote {written}" + (f"; produced {', '.join(result['produced'])}" if result.get("produced") else ""),
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ie-default-rows", type=int, default=10_000,
                        help="rows of the file (its first ones) for import-export's default mode, 0 for all: at about "
                             "100 rows/s it would take a quarter of an hour for 100,000, at a rate that does not depend "
                             "on the file's length (a lookup, an INSERT and a diff per row)")
    parser.add_argument("--memory-rows", default="100000,1000000",
                        help="comma-separated row counts at which to measure our import's peak memory ('' for none)")
    parser.add_argument("--only", action="append", choices=CONTENDERS, help="run only these contenders (repeatable)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of our import (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse the template database an earlier --keep left")
    parser.add_argument("--child", choices=tuple(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args)
        print("RESULT " + json.dumps(result), flush=True)
        return

    contenders = args.only or list(CONTENDERS)
    memory_rows = [int(n) for n in args.memory_rows.split(",") if n.strip()]
    work = Path(tempfile.mkdtemp(prefix="bench-contacts-"))
    started = time.perf_counter()
    print(f"Contact import benchmark: PostgreSQL ({PG_URL.rsplit('@', 1)[-1]}), {os.cpu_count()} cores", flush=True)
    try:
        t0 = time.perf_counter()
        with _admin() as conn:
            _drop(conn, RUN_DB)
            reuse = args.reuse and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE_DB,)).fetchone()
            if not reuse:
                _drop(conn, TEMPLATE_DB)
                conn.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
        if not reuse:
            run_child("prepare", str(work))
            print(f"  template database migrated and seeded in {time.perf_counter() - t0:.1f} s", flush=True)

        files = {}

        def file_of(rows):
            if rows not in files:
                t = time.perf_counter()
                files[rows] = work / f"contacts-{rows}.csv"
                write_file(files[rows], rows)  # the same seed: a shorter file is the start of a longer one
                size = files[rows].stat().st_size / 1024 ** 2
                print(f"  generated {rows:,} rows ({size:.0f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
            return files[rows]

        results = {}
        if contenders:
            path = file_of(args.rows)
            print(f"\n{args.rows:,} rows, each contender in its own process on a fresh copy of the seeded database:",
                  flush=True)
            for name in contenders:
                fresh_database()
                file = path
                if name == "ie-default" and 0 < args.ie_default_rows < args.rows:
                    file = file_of(args.ie_default_rows)
                results[name] = run_child(name, str(work), file, profile=args.profile and name == "ours")
                _line(name, results[name])
            print("\n  What each does:")
            for name in contenders:
                print(f"    {LABELS[name]}: {WRITES[name]}")
            if "ours" in results:
                ours = results["ours"]["rows"] / results["ours"]["seconds"]
                print("\n  Ours against each (ratio of rows/s; target):")
                targets = {"ie-default": 10, "ie-bulk": 2, "floor-copy": 0.5, "floor-copy-all": 0.5,
                           "floor-executemany": None, "floor-copy-untriggered": None}
                for name, target in targets.items():
                    if name in results:
                        ratio = ours / (results[name]["rows"] / results[name]["seconds"])
                        verdict = "" if target is None else f"  (target >= {target:g}x: {'met' if ratio >= target else 'MISSED'})"
                        print(f"    vs {LABELS[name]:<29} {ratio:6.2f}x{verdict}")

        if memory_rows:
            print("\nPeak memory of our import (the child process's RSS high-water mark, Django included):", flush=True)
            for rows in memory_rows:
                if rows == args.rows and "ours" in results:
                    result = results["ours"]
                else:
                    fresh_database()
                    result = run_child("ours", str(work), file_of(rows))
                verdict = f"  (target < 250 MB: {'met' if result['peak_mb'] < 250 else 'MISSED'})" if rows >= 1_000_000 else ""
                print(f"  {rows:>9,} rows: {result['peak_mb']:5.0f} MB   ({result['seconds']:.1f} s, "
                      f"{result['rows'] / result['seconds']:,.0f} rows/s){verdict}", flush=True)
        print(f"\nThe whole benchmark took {time.perf_counter() - started:.0f} s.")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            drop_databases()
        else:
            print(f"\nKept {work} and the databases {TEMPLATE_DB}, {RUN_DB}")


if __name__ == "__main__":
    main()
