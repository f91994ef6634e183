"""Template tags of the UI shell."""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def table_rows(table):
    """The <tr> rows of a django-tables2 page, built in Python.

    Same output as the stock template loop, several times faster: each column's cell attributes
    are computed once per page instead of once per cell, and no template variable lookups run per
    cell. List pages stay fast at 100 rows of a dozen columns.
    """
    columns = list(table.columns)
    td_attrs = [column.attrs.get("td", {}).as_html() if hasattr(column.attrs.get("td", {}), "as_html") else "" for column in columns]
    rows = []
    for row in table.paginated_rows:
        cells = "".join(
            f"<td {attrs}>{conditional_escape(localize(row.get_cell(column.name)))}</td>"
            for column, attrs in zip(columns, td_attrs)
        )
        rows.append(f"<tr {row.attrs.as_html()}>{cells}</tr>")
    if not rows and table.empty_text:
        return format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), table.empty_text)
    return mark_safe("".join(rows))
