"""Units of measure and product groups of the demo environment (demo-data §14, cin7.md §14)."""

from finance.ledger.models import Dimension, LegalEntity, NominalAccount, TaxBand

from .models import ProductGroup, UnitOfMeasure
from .services import product_group_create, unit_create

UNITS = (("EACH", "Each"), ("PACK", "Pack"), ("BOX", "Box"))
GROUPS = (
    ("UNIFORM", "Children's school uniform", "ZERO"),
    ("ADULTWEAR", "Adult sizes and PE kit", "STANDARD"),
    ("BOOKS", "Books", "ZERO"),
    ("STATIONERY", "Stationery", "STANDARD"),
    ("CHARGES", "Delivery and other charges (Cin7 additional charges)", "STANDARD"),
)


def seed_products(*, tenant):
    created = 0
    for code, name in UNITS:
        if not UnitOfMeasure.objects.filter(tenant=tenant, code=code).exists():
            unit_create(tenant=tenant, actor=None, code=code, name=name)
            created += 1
    entity = LegalEntity.objects.get(tenant=tenant, code="KTL")
    sales = NominalAccount.objects.get(tenant=tenant, code="50800")
    purchases = NominalAccount.objects.get(tenant=tenant, code="71100")

    def dimension(kind, code):
        return Dimension.objects.get(tenant=tenant, kind=kind, code=code)

    for code, name, band in GROUPS:
        if ProductGroup.objects.filter(tenant=tenant, code=code).exists():
            continue
        tax_band = TaxBand.objects.get(tenant=tenant, code=band)
        product_group_create(
            tenant=tenant, actor=None, code=code, name=name, legal_entity=entity, sales_account=sales,
            purchase_account=purchases, sales_tax_band=tax_band, purchase_tax_band=tax_band,
            department=dimension("department", "TRADE"), cost_centre=dimension("cost_centre", "SHOP"),
            fund=dimension("fund", "UNR"),
        )
        created += 1
    return created
