"""`{% template_url interface.kind as url %}`: the import template of an interface's kind in the
current environment, or None when the kind has no template (see dataformats.templates)."""

from django import template

from ..templates import template_url as _template_url

register = template.Library()


@register.simple_tag(takes_context=True)
def template_url(context, kind_key):
    tenant = context.get("current_tenant")
    if tenant is None:
        return None
    return _template_url(tenant.slug, kind_key)
