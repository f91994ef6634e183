"""Benchmark: a generated Barclays.Net statement file imported end to end on PostgreSQL, then the
same file again (every line a duplicate), against a raw bulk-insert floor; peak memory of the
import for a small and a large file.

    python bench/import_bank.py                  # 100,000 lines (and 10,000 for the memory check)
    python bench/import_bank.py --lines 20000    # smaller

Each import runs in its own process through the real path (`run_request` + `engine.execute`,
what `run_interface` does: the input stored, the duplicate checks, the statement, the run messages,
the produced file), so its peak RSS and CPU are its own. Two floors, each psycopg COPY of the file's
lines into the statement-line table in one transaction, the lines parsed from the CSV in the timed
part: the raw floor (the columns of a line, with made-up ascending dedupe keys) and the like-for-like
floor (every column our import writes, with the real dedupe keys: SHA-256 fingerprints and
occurrence counters, which land at random places in the key index as ours do). After each floor
its lines are deleted and the table vacuumed, so the imports start from an empty table.

For each contender it prints lines/s, the CPU of the process (`os.wait4`) and of its PostgreSQL
backends (read from /proc when the server runs on this machine; the import's side connections for
progress and messages included), and the WAL written meanwhile (the server's, so other databases'
writes count too). Targets: at least half the floor's lines/s; the second import at least as fast
as the first; peak memory flat in the file's size.
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _bench_kek():
    """A key-encryption key for the benchmark's own environment (production settings need one)."""
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    os.environ["VAULT_KEKS"] = key
    return key

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/finance_bench_bank")
HEADER = ('"GROUP","ACC ID","ACCOUNT NO","TYPE","BANK CODE","CURR","ENTRY DATE","AS AT","AMOUNT","TLA CODE",'
          '"CHEQUE NO","STATUS","DESCRIPTION"\n')
ACCOUNTS = {"BARC-KLT": "10000001", "BARC-KPA": "10000002"}


def _environment():
    os.environ.update(DEBUG="false", VAULT_KEKS=os.environ.get("VAULT_KEKS") or _bench_kek(), ALLOWED_HOSTS="localhost", SECURE_SSL_REDIRECT="false",
                      SECRET_KEY="bench-" + "k" * 60, DATABASE_URL=PG_URL, DJANGO_SETTINGS_MODULE="finance.settings",
                      MEDIA_ROOT=os.environ.get("BENCH_MEDIA", tempfile.mkdtemp(prefix="bench-media-")),
                      DEMO_PASSWORD="Bench-password-0123456789")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate(path, lines, account_no):
    """Lines over consecutive days, a few identical ones per day (the occurrence counter)."""
    rng = random.Random(lines)
    start = date(2024, 1, 1)
    kinds = [("BGC", "DEMOSHIRE CC SEN TOP UP"), ("DDR", "CONTOSO ENERGY DD"), ("FPO", "ACME STATIONERY"),
             ("CHG", "CARD FEE"), ("BGC", "LETTINGS DEPOSIT")]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write('"Barclays.Net Transaction exported at 09:00 01/01/26"\n')
        out.write(HEADER)
        for n in range(lines):
            day = start + timedelta(days=n // 40)
            tla, text = kinds[n % len(kinds)]
            amount = rng.randint(-500000, 500000) / 100 if n % 10 else -3.50
            description = f"{text} {n % 9000}" if n % 10 else "COFFEE"
            out.write(f'"","","{account_no}","","20-99-01","GBP","{day:%d/%m/%y}","Close",{amount:.2f},"{tla}","","C",'
                      f'"{description}"\n')


def _backend_cpu(pid):
    """CPU seconds used so far by the PostgreSQL backend `pid`, or None when it is not on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server():
    """(CPU seconds of this process's PostgreSQL backend so far, or None; the WAL position)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_current_wal_lsn()")
        pid, wal = cursor.fetchone()
    return _backend_cpu(pid), wal


def _server_delta(start, extra_cpu=0.0):
    """{"server_cpu": s, "wal_mb": MB} since `start` (a _server()); `extra_cpu`: other backends'."""
    from django.db import connection

    cpu, wal = _server()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s, %s)", [wal, start[1]])
        written = float(cursor.fetchone()[0])
    server = None if cpu is None or start[0] is None or extra_cpu is None else cpu - start[0] + extra_cpu
    return {"server_cpu": server, "wal_mb": written / 1024 ** 2}


def child_import(path, account):
    """Runs in its own process: one import, timed; prints one JSON line."""
    _environment()
    from finance.tenancy import scope
    from finance.tenancy.models import Tenant
    from interfaces import engine, services
    from interfaces.models import Interface

    import psycopg
    from django.db import connection

    side_cpu = [0.0]
    close = psycopg.Connection.close

    def counted_close(conn):  # a side connection's backend CPU (progress, messages), read before it goes
        if not conn.closed and conn is not connection.connection and side_cpu[0] is not None:
            used = _backend_cpu(conn.info.backend_pid)
            side_cpu[0] = None if used is None else side_cpu[0] + used
        close(conn)

    psycopg.Connection.close = counted_close
    tenant = Tenant.objects.get(slug="demo")
    with scope.activate(tenant):
        interface = Interface.objects.get(description="Barclays.Net statement file")
        start = _server()
        started = time.perf_counter()
        with open(path, "rb") as handle:
            run = services.run_request(interface=interface, trigger="command", files=[(Path(path).name, handle)],
                                       options={"bank_account": account}, enqueue=False)
        done = engine.execute(engine.run_for_pk(run.pk))
        seconds = time.perf_counter() - started
        server = _server_delta(start, side_cpu[0])
        done.refresh_from_db()
    print(json.dumps({"seconds": seconds, "status": done.status, "counts": done.counts, "message": done.message, **server}))


def child_floor(path, account, like_for_like=False):
    """COPY the same lines into the statement-line table: the raw floor, or (`like_for_like`)
    every column our import writes with the real dedupe keys."""
    _environment()
    import csv
    import hashlib
    import io
    import unicodedata

    from django.db import connection

    from finance.banking.models import BankAccount, BankStatement, BankStatementLine
    from finance.tenancy import scope
    from finance.tenancy.models import Tenant

    def normalised(text):
        return " ".join(unicodedata.normalize("NFC", text).upper().split())

    tenant = Tenant.objects.get(slug="demo")
    with scope.activate(tenant):
        account_obj = BankAccount.objects.get(code=account)
        statement = BankStatement.objects.create(tenant=tenant, bank_account=account_obj, from_date=date(2024, 1, 1),
                                                 to_date=date(2024, 1, 1), run_ref="floor")
        table = BankStatementLine._meta.db_table
        start = _server()
        started = time.perf_counter()
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            next(reader)
            buffer = io.StringIO()
            counters = {}
            for seq, row in enumerate(reader, 1):
                d, m, y = row[6].split("/")
                day = f"20{y}-{m}-{d}"
                if like_for_like:
                    amount = f"{float(row[8]):.2f}"
                    h = hashlib.sha256(f"{account_obj.code}|{day}|{amount}|{normalised(row[12])}|{normalised(row[10])}"
                                       .encode()).hexdigest()[:32]
                    n = counters[h] = counters.get(h, 0) + 1
                    buffer.write("\t".join([
                        str(uuid.uuid4()), str(tenant.pk), str(statement.pk), str(account_obj.pk), str(seq), day, "\\N",
                        row[8], str(account_obj.currency_id), row[12], row[10], row[9], row[10], "", "\\N", f"fp:{h}#{n}",
                    ]) + "\n")
                    continue
                buffer.write("\t".join([
                    uuid.uuid4().hex, str(tenant.pk), str(statement.pk), str(account_obj.pk), str(seq), day,
                    row[8], str(account_obj.currency_id), row[12], "", row[9], "", "", f"fp:{seq:032x}#1",
                ]) + "\n")
        columns = ("uuid, tenant_id, statement_id, bank_account_id, seq, date, value_date, amount, currency_id, description, "
                   "reference, type, cheque_no, transaction_id, balance, dedupe_key" if like_for_like else
                   "uuid, tenant_id, statement_id, bank_account_id, seq, date, amount, currency_id, "
                   "description, reference, type, cheque_no, transaction_id, dedupe_key")
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            copy.write(buffer.getvalue())
        raw.commit()
        seconds = time.perf_counter() - started
        server = _server_delta(start)
        BankStatementLine.objects.filter(statement=statement).delete()
        statement.delete()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:  # leave the table as the imports found it: no dead lines
            cursor.execute(f'VACUUM "{table}"')
    print(json.dumps({"seconds": seconds, **server}))


def spawn(*args):
    """Run this script as a child; (its JSON result, its peak RSS in MB)."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"child {args} failed:\n{out}")
    result = json.loads(out.strip().splitlines()[-1])
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--child", choices=["import", "floor", "floor-like"])
    parser.add_argument("--file")
    parser.add_argument("--account")
    args = parser.parse_args()
    if args.child == "import":
        return child_import(args.file, args.account)
    if args.child == "floor":
        return child_floor(args.file, args.account)
    if args.child == "floor-like":
        return child_floor(args.file, args.account, like_for_like=True)

    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["BENCH_MEDIA"] = tempfile.mkdtemp(prefix="bench-media-")
    _environment()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    work = Path(tempfile.mkdtemp(prefix="bench-bank-"))
    big, small = work / "big.csv", work / "small.csv"
    generate(big, args.lines, ACCOUNTS["BARC-KLT"])
    generate(small, max(args.lines // 10, 1000), ACCOUNTS["BARC-KPA"])
    print(f"PostgreSQL, 2 cores; file of {args.lines:,} lines ({big.stat().st_size / 1e6:.1f} MB)")

    floor, _ = spawn("--child", "floor", "--file", str(big), "--account", "BARC-KLT")
    like, _ = spawn("--child", "floor-like", "--file", str(big), "--account", "BARC-KLT")
    first, first_rss = spawn("--child", "import", "--file", str(big), "--account", "BARC-KLT")
    second, second_rss = spawn("--child", "import", "--file", str(big), "--account", "BARC-KLT")
    small_run, small_rss = spawn("--child", "import", "--file", str(small), "--account", "BARC-KPA")
    n = args.lines
    floor_rate, like_rate = n / floor["seconds"], n / like["seconds"]
    first_rate, second_rate = n / first["seconds"], n / second["seconds"]

    def costs(result):
        server = f"{result['server_cpu']:5.1f} s" if result.get("server_cpu") is not None else "    ?  "
        return f"CPU: process {result['cpu']:5.1f} s, PostgreSQL {server}, WAL {result['wal_mb']:4.0f} MB"

    print(f"raw COPY floor      {floor_rate:>10,.0f} lines/s  ({floor['seconds']:5.1f} s)  {costs(floor)}")
    print(f"like-for-like floor {like_rate:>10,.0f} lines/s  ({like['seconds']:5.1f} s)  {costs(like)}")
    print(f"first import        {first_rate:>10,.0f} lines/s  ({first['seconds']:5.1f} s)  {costs(first)}")
    print(f"                    {first['counts']['created']:,} created, status {first['status']}, peak {first_rss:.0f} MB")
    print(f"second import       {second_rate:>10,.0f} lines/s  ({second['seconds']:5.1f} s)  {costs(second)}")
    print(f"                    {second['counts']['duplicates']:,} duplicates, status {second['status']}, peak {second_rss:.0f} MB")
    print(f"ratio first/floor   {first_rate / floor_rate:.2f}  (target >= 0.50); "
          f"to the like-for-like floor {first_rate / like_rate:.2f}")
    print(f"ratio second/first  {second_rate / first_rate:.2f}  (target >= 1.00)")
    print(f"peak memory         {small_rss:.0f} MB at {small_run['counts']['rows']:,} lines, {first_rss:.0f} MB at {n:,} lines")


if __name__ == "__main__":
    main()
