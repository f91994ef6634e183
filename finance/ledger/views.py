from django.core.paginator import Paginator
from django.shortcuts import render

from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from .models import ArchiveDocument, Document, NominalAccount, Posting


@require_perm("finance.view")
def document_detail(request, document_id):
    document = get_for_tenant(
        Document.objects.select_related("doc_type", "legal_entity", "contact", "currency", "reversal_of"),
        request.tenant,
        uuid=document_id,
    )
    lines = document.lines.select_related("account", "tax_band", "department", "cost_centre", "fund", "project", "product")
    postings = document.postings.select_related("account", "period", "department", "cost_centre", "fund", "project", "currency")
    reversed_by = Document.objects.filter(reversal_of=document).first()
    return render(
        request,
        "ledger/document.html",
        {"document": document, "lines": lines, "postings": postings, "reversed_by": reversed_by},
    )


@require_perm("finance.view")
def nominal_detail(request, nominalaccount_id):
    account = get_for_tenant(NominalAccount, request.tenant, uuid=nominalaccount_id)
    postings = (
        Posting.objects.filter(tenant=request.tenant, account=account)
        .select_related("document", "legal_entity", "period", "currency")
        .order_by("-date", "-id")
    )
    page = Paginator(postings, 50).get_page(request.GET.get("page"))
    return render(request, "ledger/nominal.html", {"account": account, "page": page})


@require_perm("finance.view")
def archive_document_detail(request, archivedocument_id):
    document = get_for_tenant(ArchiveDocument.objects.select_related("legal_entity"), request.tenant, uuid=archivedocument_id)
    return render(request, "ledger/archive_document.html", {"document": document, "postings": document.postings.all()})
