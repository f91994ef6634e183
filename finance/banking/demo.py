"""The demo environments' bank accounts (demo-data §13 and §19)."""

from finance.ledger.models import Currency, LegalEntity, NominalAccount
from interfaces.models import Interface

from .models import BankAccount
from .services import bank_account_create

# code, description, legal entity, bank, sort code, account no, IBAN, BIC, currency, GL, statement interface
DEMO_ACCOUNTS = (
    ("BARC-KLT", "Trust current account", "KLT", "Barclays", "20-99-01", "10000001", "", "", "GBP", "21000", "Barclays.Net statement file"),
    ("BARC-KPA", "Primary academy current account", "KPA", "Barclays", "20-99-01", "10000002", "", "", "GBP", "21000", "Barclays.Net statement file"),
    ("BARC-KLT-EUR", "Trust euro account", "KLT", "Barclays", "20-99-01", "10000003", "GB30DEMO20990110000003", "DEMOGB22", "EUR", "21010", "CAMT.053 statement file"),
    ("BARC-KTL", "Trading company current account", "KTL", "Barclays", "20-99-01", "10000004", "", "", "GBP", "21000", "OFX statement file"),
    ("COOP-KHA", "High academy current account", "KHA", "Co-operative Bank", "08-99-01", "20000001", "", "", "GBP", "21000", "Co-op Bank statement text file"),
    ("COOP-KLT-RES", "Trust reserve account", "KLT", "Co-operative Bank", "08-99-01", "20000002", "", "", "GBP", "21020", "Co-op Bank statement CSV"),
    ("DEMO-KHA-SAV", "High academy savings account", "KHA", "Demo Savings Bank", "60-99-01", "40000001", "", "", "GBP", "21020", "Bank statement CSV (custom)"),
)
HARRIER_ACCOUNTS = (
    ("BARC-HDA", "Harrier current account", "HDA", "Barclays", "20-99-02", "30000001", "", "", "GBP", "21000", "Barclays.Net statement file"),
)


def seed_bank_accounts(*, tenant, accounts=DEMO_ACCOUNTS):
    created = 0
    for code, name, entity, bank, sort_code, account_no, iban, bic, currency, gl, interface in accounts:
        if BankAccount.objects.filter(tenant=tenant, code=code).exists():
            continue
        bank_account_create(
            tenant=tenant, actor=None, code=code, name=name, legal_entity=LegalEntity.objects.get(tenant=tenant, code=entity),
            bank_name=bank, sort_code=sort_code, account_no=account_no, iban=iban, bic=bic,
            currency=Currency.objects.get(tenant=tenant, code=currency),
            nominal_account=NominalAccount.objects.get(tenant=tenant, code=gl),
            statement_interface=Interface.objects.filter(tenant=tenant, description=interface).first(),
        )
        created += 1
    return created
