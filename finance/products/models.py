"""Products and product groups (the Cin7 interface creates non-stock products on demand)."""

from django.db import models

from finance.tenancy.models import CodedModel, TenantOwned


class UnitOfMeasure(CodedModel):
    class Meta(CodedModel.Meta):
        verbose_name = "unit of measure"
        verbose_name_plural = "units of measure"


class ProductGroup(CodedModel):
    legal_entity = models.ForeignKey("ledger.LegalEntity", on_delete=models.PROTECT, related_name="+")
    sales_account = models.ForeignKey("ledger.NominalAccount", on_delete=models.PROTECT, related_name="+")
    purchase_account = models.ForeignKey("ledger.NominalAccount", on_delete=models.PROTECT, related_name="+")
    sales_tax_band = models.ForeignKey("ledger.TaxBand", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purchase_tax_band = models.ForeignKey("ledger.TaxBand", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost_centre = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+")


class Product(CodedModel):
    group = models.ForeignKey(ProductGroup, on_delete=models.PROTECT, related_name="products")
    unit = models.ForeignKey(UnitOfMeasure, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_stock = models.BooleanField(default=False)
    can_sell = models.BooleanField(default=True)
    can_buy = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
