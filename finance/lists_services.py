"""Changes to a user's list pages: the column chooser's choice and Sets (named saved views).

Personal choices are not written to the Event log; a shared set concerns everyone in the
environment, so creating or deleting one is.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from finance.accounts.models import ColumnPreference, SavedView
from finance.audit.services import event_record
from finance.tenancy.models import Membership

from .lists import REGISTRY, SHARE_PERM, is_list_path, query_normalise, set_deletable

SET_NAME_MAX = 60
SET_QUERY_MAX = SavedView._meta.get_field("query").max_length


def _membership(*, tenant, user):
    return Membership.objects.filter(tenant=tenant, user=user, is_active=True).first()


def _may_share(*, tenant, user):
    membership = _membership(tenant=tenant, user=user)
    return membership is not None and membership.has_perm(SHARE_PERM)


def _snapshot(view):
    return {"list": view.list_key, "name": view.name, "path": view.path, "query": view.query, "columns": view.columns}


def _known_columns(page, columns):
    """The list's own column names among `columns`, in the list's order (a stored set may name
    columns the list no longer has)."""
    wanted = {c for c in columns if isinstance(c, str)} if isinstance(columns, (list, tuple)) else set()
    return [n for n, _ in page.all_columns() if n in wanted]


@transaction.atomic
def column_preference_set(*, tenant, user, page_key, columns):
    """Show `columns` (the known ones) on a list for the user; none left means the defaults."""
    page = REGISTRY[page_key]
    chosen = _known_columns(page, columns)
    if not chosen:
        ColumnPreference.objects.filter(tenant=tenant, user=user, list_key=page.key).delete()
    else:
        ColumnPreference.objects.update_or_create(tenant=tenant, user=user, list_key=page.key, defaults={"columns": chosen})
    return chosen


@transaction.atomic
def saved_view_create(*, tenant, user, page_key, path, name, query, columns, shared=False):
    """Save the user's current view of a list as a named set.

    The name is 1..60 characters and unique per user and list whatever its case; the querystring
    loses its page and format; only the list's own column names are kept; only a member whose role
    grants users.manage may share a set with the whole environment.
    """
    page = REGISTRY.get(page_key)
    if page is None:
        raise ValidationError({"name": "This list cannot have sets."})
    name = " ".join((name or "").split())
    query = query_normalise(query or "")
    errors = {}
    if not name:
        errors["name"] = "Give the set a name."
    elif len(name) > SET_NAME_MAX:
        errors["name"] = f"A set's name can have at most {SET_NAME_MAX} characters (it has {len(name)})."
    elif SavedView.objects.filter(tenant=tenant, user=user, list_key=page.key, name__iexact=name).exists():
        errors["name"] = f"You already have a set called '{name}' for this list; choose another name."
    if not is_list_path(tenant, page, path):
        errors["path"] = "A set can only save a view of this list."
    if len(query) > SET_QUERY_MAX:
        errors["query"] = "The view's filters are too long to save as a set."
    if shared and not _may_share(tenant=tenant, user=user):
        errors["shared"] = "Your role does not allow sharing a set with everyone in this environment."
    if errors:
        raise ValidationError(errors)
    view = SavedView(
        tenant=tenant,
        user=user,
        list_key=page.key,
        name=name,
        path=path,
        query=query,
        columns=_known_columns(page, columns),
        shared=bool(shared),
    )
    view.full_clean(exclude=["tenant", "user"])
    view.save()
    if view.shared:
        event_record(
            tenant=tenant,
            user=user,
            action="saved_view.created",
            obj=view,
            message=f"Set '{name}' of {page.title} shared with everyone in this environment.",
            after=_snapshot(view),
        )
    return view


@transaction.atomic
def saved_view_delete(*, view, user):
    """Delete a set: its owner may, and so may a member with users.manage when it is shared."""
    if view.user_id != user.pk and not set_deletable(view, user, _membership(tenant=view.tenant, user=user)):
        raise PermissionDenied("Only the person who saved this set, or an administrator if it is shared, can delete it.")
    if view.shared:
        event_record(
            tenant=view.tenant,
            user=user,
            action="saved_view.deleted",
            obj=view,
            message=f"Shared set '{view.name}' deleted.",
            before=_snapshot(view),
        )
    view.delete()
