"""Units of measure, product groups and products."""

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.audit.services import event_record

from .models import Product, ProductGroup, UnitOfMeasure


def _unique_code(model, tenant, code, label):
    if model.objects.filter(tenant=tenant, code__iexact=code).exists():
        raise ValidationError({"code": f"{label} '{code}' already exists."})


@transaction.atomic
def unit_create(*, tenant, actor, code, name):
    _unique_code(UnitOfMeasure, tenant, code, "Unit of measure")
    unit = UnitOfMeasure(tenant=tenant, code=code, name=name)
    unit.full_clean(exclude=["tenant"])
    unit.save()
    event_record(tenant=tenant, user=actor, action="unit.created", obj=unit, message=f"Unit of measure {code} created.")
    return unit


@transaction.atomic
def product_group_create(*, tenant, actor, code, name, legal_entity, sales_account, purchase_account,
                         sales_tax_band=None, purchase_tax_band=None, department=None, cost_centre=None, fund=None):
    _unique_code(ProductGroup, tenant, code, "Product group")
    for field, obj in {"legal_entity": legal_entity, "sales_account": sales_account, "purchase_account": purchase_account,
                       "sales_tax_band": sales_tax_band, "purchase_tax_band": purchase_tax_band, "department": department,
                       "cost_centre": cost_centre, "fund": fund}.items():
        if obj is not None and obj.tenant_id != tenant.pk:
            raise ValidationError({field: "Choose a value of this environment."})
    group = ProductGroup(
        tenant=tenant, code=code, name=name, legal_entity=legal_entity, sales_account=sales_account,
        purchase_account=purchase_account, sales_tax_band=sales_tax_band, purchase_tax_band=purchase_tax_band,
        department=department, cost_centre=cost_centre, fund=fund,
    )
    group.full_clean(exclude=["tenant"])
    group.save()
    event_record(tenant=tenant, user=actor, action="product_group.created", obj=group,
                 message=f"Product group {code} created (sales {sales_account.code}, purchases {purchase_account.code}).")
    return group


@transaction.atomic
def product_create(*, tenant, actor, code, name, group, unit=None, is_stock=False):
    _unique_code(Product, tenant, code, "Product")
    product = Product(tenant=tenant, code=code, name=name, group=group, unit=unit, is_stock=is_stock)
    product.full_clean(exclude=["tenant"])
    product.save()
    event_record(tenant=tenant, user=actor, action="product.created", obj=product, message=f"Product {code} created in group {group.code}.")
    return product
