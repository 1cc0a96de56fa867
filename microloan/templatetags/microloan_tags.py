from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate, places: int = 2) -> str:
    """0.18 -> '18.00%' (rates are stored as fractions)."""
    if rate in (None, ""):
        return "—"
    q = Decimal(1).scaleb(-int(places))
    return f"{(Decimal(rate) * 100).quantize(q, rounding=ROUND_HALF_UP)}%"


@register.filter
def money(value) -> str:
    """1234.5 -> '1,234.50' in both languages: to the cent whatever the database's sum returned
    (SQLite gives '943.600000000000'), grouped by the locale's formats (microloan/formats)."""
    if value in (None, ""):
        return "—"
    from django.contrib.humanize.templatetags.humanize import intcomma

    return intcomma(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@register.simple_tag(takes_context=True)
def page_query(context) -> str:
    """The list's query string without its page ("q=wang&bucket=31-60&"), so a pager's links keep
    every filter and the sort (the worklist's pager dropped the bucket)."""
    request = context.get("request")
    if request is None:
        return ""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


@register.filter(name="can")
def can_filter(user, action: str) -> bool:
    """``{% if user|can:"borrower.create" %}``: the permission table decides what a page shows."""
    from microloan.permissions import can

    return can(user, action)


@register.filter(name="masked")
def masked_filter(value, field: str) -> str:
    """``{{ b.mobile|masked:"mobile" }}``: a personal field as every page shows it (microloan/pii.py)."""
    from microloan.pii import mask

    return mask(field, value)


@register.filter(name="party_masked")
def party_masked_filter(value, key: str) -> str:
    """``{{ c.party_name|party_masked:"name" }}``: a guarantor's value under ``key`` as every page
    shows it (``microloan.pii.mask_party``)."""
    from microloan.pii import mask_party

    return mask_party({key: value})[key]


@register.filter
def action_label(event) -> str:
    """``{{ e|action_label }}``: an audit row's action in the reader's language (microloan/labels.py)."""
    from microloan.labels import action_label

    return action_label(event.entity, event.action)


@register.filter
def state_label(event, which: str = "to") -> str:
    """``{{ e|state_label:"from" }}``: an audit row's state before or after, as a word."""
    from microloan.labels import state_label

    return state_label(event.entity, event.from_state if which == "from" else event.to_state)


@register.filter
def code(value) -> str:
    """``{{ c.outcome|code }}``: a code from any of the project's lists as a word; ``{{ codes|code }}``
    for a list joins them ("无担保, 客群风险")."""
    from microloan.labels import code_label

    if isinstance(value, (list, tuple)):
        return ", ".join(code_label(v) for v in value)
    return code_label(value) if value else ""


@register.filter
def code_words(text) -> str:
    """``{{ entry.memo|code_words }}``: a stored memo ("cash R123") with each word that is a code
    of the project's lists shown as its label ("现金 R123")."""
    from microloan.labels import code_label

    return " ".join(code_label(w) for w in str(text or "").split(" "))
