"""The pulse menu and Quick Launch, from one list of entries.

An entry shows only when its URL exists (pages arrive issue by issue) and the member's role
grants its permission, so the menu never offers a page that would refuse the user.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    perm: str
    section: str
    group: str = ""
    keywords: tuple = ()


ENTRIES = (
    Entry("Interfaces", "interfaces:list", "interfaces.view", "Settings", "Data Upload", ("import", "export", "run", "sync")),
    Entry("Imports folder", "interfaces:files", "interfaces.view", "Settings", "Data Upload", ("files", "uploads")),
    Entry("Data dictionary", "dataformats:dictionary", "interfaces.view", "Settings", "Data Upload",
          ("templates", "columns", "file formats", "csv")),
    Entry("Contact accounts", "contacts:list", "finance.view", "Finance", "Contacts", ("customers", "suppliers")),
    Entry("Documents", "ledger:documents", "finance.view", "Finance", "Ledger", ("invoices", "journals")),
    Entry("Nominal accounts", "ledger:nominals", "finance.view", "Finance", "Ledger", ("chart of accounts", "gl")),
    Entry("Archive GL", "ledger:archive", "finance.view", "Finance", "Ledger", ("exchequer", "legacy")),
    Entry("Bank accounts", "banking:accounts", "finance.view", "Finance", "Banking", ("statements",)),
    Entry("Scheduler", "scheduler:list", "scheduler.view", "Environment", "", ("scheduled tasks", "cron")),
    Entry("Vault", "vault:list", "vault.manage", "Environment", "", ("secrets", "keys", "tokens")),
    Entry("Environment defaults", "catalog:defaults", "features.manage", "Environment", "", ("features",)),
    Entry("Catalogs", "catalog:features", "features.manage", "Environment", "", ("features",)),
    Entry("Mappings", "catalog:mappings", "mappings.manage", "Environment", "", ("generic",)),
    Entry("User accounts", "accounts:users", "users.manage", "Environment", "", ("users", "roles", "api keys")),
    Entry("Event logs", "audit:events", "events.view", "Environment", "", ("audit", "history")),
)


def entries_for(request):
    """(entry, url) pairs the member of request.tenant may open, in menu order."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    result = []
    for entry in ENTRIES:
        if not membership.has_perm(entry.perm):
            continue
        try:
            url = reverse(entry.url_name, kwargs={"tenant_slug": request.tenant.slug})
        except NoReverseMatch:
            continue
        result.append((entry, url))
    return result


def pulse_menu(request):
    """[(section, [(group, [(entry, url), ...]), ...]), ...] for the menu template."""
    sections = {}
    for entry, url in entries_for(request):
        groups = sections.setdefault(entry.section, {})
        groups.setdefault(entry.group, []).append((entry, url))
    return [(section, list(groups.items())) for section, groups in sections.items()]


def quick_launch(request, query):
    """Entries matching `query`, best first: label prefix, then word prefix, then anywhere."""
    q = " ".join(query.lower().split())
    if not q:
        return []
    scored = []
    for position, (entry, url) in enumerate(entries_for(request)):
        label = entry.label.lower()
        haystack = " ".join([label, entry.group.lower(), entry.section.lower(), *entry.keywords])
        if label.startswith(q):
            rank = 0
        elif any(word.startswith(q) for word in label.split()):
            rank = 1
        elif q in haystack:
            rank = 2
        else:
            continue
        scored.append((rank, position, entry, url))
    scored.sort(key=lambda item: item[:2])
    return [(entry, url) for _, _, entry, url in scored]
