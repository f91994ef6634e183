"""Benchmark: first page of Contact accounts and Documents with 100,000 contacts and 200,000 GL
postings, on SQLite and on PostgreSQL. Prints p50/p95 per page and the queries per request.

    python bench/list_pages.py                      # both databases (PostgreSQL at 127.0.0.1:5432)
    python bench/list_pages.py --database sqlite    # one of them
    python bench/list_pages.py --contacts 20000     # smaller

Target: p95 under 150 ms on PostgreSQL. The data is bulk-inserted straight into the tables (it
is a load, not a test of the services); the pages are requested through Django's test client
with a signed-in administrator, exactly as a browser would get them.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _bench_kek():
    """A key-encryption key for the benchmark's own environment (production settings need one)."""
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    os.environ["VAULT_KEKS"] = key
    return key



def batched(iterable, n):
    it = iter(iterable)
    while chunk := tuple(islice(it, n)):
        yield chunk
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/finance_bench")


def _setup(database):
    sys.path.insert(0, str(ROOT))
    # Production settings (DEBUG off: no query log, compressed manifest static files), over HTTP.
    os.environ.update(
        DEBUG="false", VAULT_KEKS=os.environ.get("VAULT_KEKS") or _bench_kek(), ALLOWED_HOSTS="testserver,localhost", SECURE_SSL_REDIRECT="false",
        SECRET_KEY="bench-" + "k" * 60, STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "finance.settings"
    if database == "sqlite":
        var = tempfile.mkdtemp(prefix="bench-")
        os.environ["VAR_DIR"] = var
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = PG_URL
        _recreate_postgres()
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _recreate_postgres():
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _load(n_contacts, n_postings):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from finance.contacts.models import ContactAccount
    from finance.ledger import models as L
    from finance.tenancy import scope
    from finance.tenancy.demo import seed

    seed(out=lambda *_: None)
    with scope.disabled():
        tenant = __import__("finance.tenancy.models", fromlist=["Tenant"]).Tenant.objects.get(slug="demo")
    with scope.activate(tenant):
        gbp = L.Currency.objects.get(code="GBP")
        entity = L.LegalEntity.objects.get(code="KLT")
        doc_type = L.DocumentType.objects.get(code="JNSTD")
        period = L.Period.objects.get(code="2025/26 P03")
        debit, credit = L.NominalAccount.objects.get(code="21000"), L.NominalAccount.objects.get(code="30900")
        t0 = time.perf_counter()
        for chunk in batched(range(n_contacts), 5000):
            ContactAccount.objects.bulk_create(
                [ContactAccount(tenant=tenant, code=f"BENCH{n:07d}", is_customer=n % 2 == 0, is_supplier=n % 2 == 1,
                                account_description=f"Benchmark contact {n}", company_name=f"Benchmark contact {n} Ltd",
                                currency=gbp) for n in chunk]
            )
        n_docs = n_postings // 2
        now = timezone.now()
        start = date(2025, 11, 1)
        for chunk in batched(range(n_docs), 5000):
            docs = L.Document.objects.bulk_create(
                [L.Document(tenant=tenant, legal_entity=entity, doc_type=doc_type, doc_no=f"BJ{n:08d}", doc_ref=f"BJ{n:08d}",
                            doc_date=start + timedelta(days=n % 30), tax_date=start, currency=gbp, status="posted",
                            total_net=Decimal("0.00"), posted_at=now) for n in chunk]
            )
            postings = []
            for doc in docs:
                for seq, (account, amount) in enumerate(((debit, Decimal("10.00")), (credit, Decimal("-10.00"))), 1):
                    postings.append(L.Posting(tenant=tenant, legal_entity=entity, document=doc, seq=seq, kind="line", period=period,
                                              date=doc.doc_date, account=account, currency=gbp, amount=amount, base_amount=amount,
                                              posted_at=now))
            L.Posting.objects.bulk_create(postings, batch_size=5000)
        print(flush=True)
        print(f"  loaded {n_contacts:,} contacts, {n_docs:,} documents, {n_docs * 2:,} postings in {time.perf_counter() - t0:.1f} s")
    # Fresh planner statistics, as autovacuum would gather after a load this size; without them
    # PostgreSQL plans for an empty table and sorts all 100,000 contacts for a 25-row page.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = get_user_model().objects.get(email="admin@kestrel-demo.example")
    return user


def _measure(user, repeats):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    pages = {"Contact accounts": "/demo/contacts/", "Documents": "/demo/documents/"}
    for label, url in pages.items():
        assert client.get(url).status_code == 200, url  # warm up
        times = []
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
        print(f"  {label:<17} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   {len(queries)} queries per request", flush=True)


def run_one(database, contacts, postings, repeats):
    print(f"{database}:", flush=True)
    _setup(database)
    user = _load(contacts, postings)
    _measure(user, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    if args.database:
        run_one(args.database, args.contacts, args.postings, args.repeats)
        return
    # Each database in its own process: Django is configured once per process.
    for database in ("sqlite", "postgres"):
        subprocess.run([sys.executable, __file__, "--database", database, "--contacts", str(args.contacts),
                        "--postings", str(args.postings), "--repeats", str(args.repeats)], check=True)


if __name__ == "__main__":
    main()
