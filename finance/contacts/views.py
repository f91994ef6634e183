"""Contact account pages: detail, create, edit, and the account's notes (a page, and a panel
that htmx loads into the detail page). The list page lives with the shared list framework."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from . import services
from .forms import ContactAccountForm, NoteForm, add_service_errors
from .models import ContactAccount, Note

NOTES_PER_PAGE = 25

DETAIL_RELATED = (
    "classification", "contact_group", "resource_group", "tax_authority", "currency", "pay_term", "pay_method",
    "customer_project", "customer_cost_centre", "customer_department",
    "resource_project", "resource_cost_centre", "resource_department",
)


def _contact(request, contactaccount_id, related=()):
    return get_for_tenant(ContactAccount.objects.select_related(*related), request.tenant, uuid=contactaccount_id)


def _note(request, contact, note_id):
    queryset = Note.objects.filter(contact=contact).select_related("contact", "category")
    return get_for_tenant(queryset, request.tenant, uuid=note_id)


def _page(request, template, context, status=200):
    """Render with what every contacts page shares: the list URL for the breadcrumbs."""
    list_url = reverse("contacts:list", kwargs={"tenant_slug": request.tenant.slug})
    can_edit = request.membership.has_perm("finance.edit")
    return render(request, template, {"contacts_list_url": list_url, "can_edit": can_edit, **context}, status=status)


def _masked(value):
    """Only the last four characters: enough to recognise an account, not to use it."""
    return f"•••• {value[-4:]}" if value else ""


@require_perm("finance.view")
def detail(request, contactaccount_id):
    contact = _contact(request, contactaccount_id, DETAIL_RELATED)
    bank = getattr(contact, "bank_account", None)  # a missing one-to-one raises AttributeError
    context = {
        "contact": contact,
        "address": contact.addresses.filter(is_primary=True).first(),
        "person": contact.people.filter(is_primary=True).first(),
        "bank": bank,
        "bank_account_no": _masked(bank.account_no) if bank else "",
        "bank_iban": _masked(bank.iban) if bank else "",
        "note_count": contact.notes.count(),
    }
    return _page(request, "contacts/detail.html", context)


def _contact_form_page(request, form, contact=None, status=200):
    return _page(request, "contacts/form.html", {"form": form, "contact": contact}, status=status)


@require_perm("finance.edit")
def create(request):
    if request.method != "POST":
        return _contact_form_page(request, ContactAccountForm(tenant=request.tenant))
    form = ContactAccountForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        try:
            contact = services.contact_create(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Contact account {contact.code} was created.")
            return redirect("contacts:detail", tenant_slug=request.tenant.slug, contactaccount_id=contact.uuid)
    return _contact_form_page(request, form, status=400)


@require_perm("finance.edit")
def edit(request, contactaccount_id):
    contact = _contact(request, contactaccount_id)
    if request.method != "POST":
        form = ContactAccountForm(tenant=request.tenant, editing=True, initial=services.contact_state(contact))
        return _contact_form_page(request, form, contact)
    form = ContactAccountForm(request.POST, tenant=request.tenant, editing=True)
    if form.is_valid():
        try:
            services.contact_update(contact=contact, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            contact.refresh_from_db()
        else:
            messages.success(request, f"Contact account {contact.code} was saved.")
            return redirect("contacts:detail", tenant_slug=request.tenant.slug, contactaccount_id=contact.uuid)
    return _contact_form_page(request, form, contact, status=400)


@require_perm("finance.view")
def notes(request, contactaccount_id):
    """The account's notes, newest first: a page, or with htmx the panel of the detail page."""
    contact = _contact(request, contactaccount_id)
    queryset = Note.objects.filter(contact=contact).select_related("category").order_by("-note_date", "-id")
    page = Paginator(queryset, NOTES_PER_PAGE).get_page(request.GET.get("page"))
    template = "contacts/notes.html"
    if request.htmx and not request.htmx.boosted:
        template += "#panel"
    return _page(request, template, {"contact": contact, "page": page})


def _note_form_page(request, contact, form, note=None, status=200):
    return _page(request, "contacts/note_form.html", {"contact": contact, "form": form, "note": note}, status=status)


def _notes_url(contact):
    return reverse("contacts:notes", kwargs={"tenant_slug": contact.tenant.slug, "contactaccount_id": contact.uuid})


@require_perm("finance.edit")
def note_create(request, contactaccount_id):
    contact = _contact(request, contactaccount_id)
    if request.method != "POST":
        author = request.user.full_name or request.user.email
        return _note_form_page(request, contact, NoteForm(tenant=request.tenant, initial={"author": author}))
    form = NoteForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        try:
            services.note_create(contact=contact, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The note was added to {contact.code}.")
            return redirect(_notes_url(contact))
    return _note_form_page(request, contact, form, status=400)


@require_perm("finance.edit")
def note_edit(request, contactaccount_id, note_id):
    contact = _contact(request, contactaccount_id)
    note = _note(request, contact, note_id)
    if request.method != "POST":
        initial = {name: getattr(note, name) for name in ("note_date", "subject", "body", "author", "follow_up_date", "note_ref")}
        form = NoteForm(tenant=request.tenant, initial=initial | {"category": note.category})
        return _note_form_page(request, contact, form, note)
    form = NoteForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        try:
            services.note_update(note=note, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The note on {contact.code} was saved.")
            return redirect(_notes_url(contact))
    return _note_form_page(request, contact, form, note, status=400)


@require_POST
@require_perm("finance.edit")
def note_delete(request, contactaccount_id, note_id):
    contact = _contact(request, contactaccount_id)
    note = _note(request, contact, note_id)
    services.note_delete(note=note, actor=request.user)
    messages.success(request, f"The note was deleted from {contact.code}.")
    return redirect(_notes_url(contact))
