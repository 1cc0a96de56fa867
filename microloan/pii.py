"""Personal information (PIPL, 个人信息保护法): the one home for how it is masked and who sees it.

The rule: a borrower's resident ID number, mobile, address and spouse data are masked
wherever they are shown — every list, page, API response, CSV and log line — for every role.
The full value is given only on an explicit reveal (``applications.services.borrower_reveal``:
the borrower page's Reveal button and ``POST /api/v1/borrowers/{id}/reveal/``), to the roles
of the permission table's entry ``"borrower.reveal"``, and each reveal is an audit row naming
who saw whose data and when — never the values themselves. The same entry decides who may
search by the beginning of an ID number; everybody else finds a borrower by the whole number.

The masks: an ID number keeps its first 6 (the region of issue) and last 4 characters
(``110101********1234``); a mobile its first 3 and last 4 digits (``138****5678``); an
address its beginning down to the district or county (``北京市朝阳区***``), or its first few
characters; a name its first character. A masked value always holds ``*``, which a clear
value of these fields never does: a write that sends one back is refused or, when it is the
current value's own mask, ignored (``MaskedFieldsMixin``).

The same rule covers the other people an application names: its guarantors and the owners of
its collateral (free-form JSON on the application). ``mask_parties`` masks, in each entry, the
values whose key says what they are — an ID number, a mobile or phone, an address, a name or
owner — with the masks above; their clear values come only from an audited reveal of the
application (``"application.reveal"``: ``applications.services.application_reveal``, the
application page's Reveal button and ``POST /api/v1/applications/{id}/reveal/``) or, for the
collectors' calls, of a collection case's contact sheet (``"collection.reveal_contacts"``).
"""

import re

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers

from .permissions import can

MASK = "*"
REVEAL_ACTION = "borrower.reveal"
PARTIES_REVEAL_ACTION = "application.reveal"
CONTACTS_REVEAL_ACTION = "collection.reveal_contacts"


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` -> ``110101********1234``; a short value keeps its last 2."""
    value = value or ""
    if len(value) > 10:
        return value[:6] + MASK * (len(value) - 10) + value[-4:]
    if len(value) > 2:
        return MASK * (len(value) - 2) + value[-2:]
    return MASK * len(value)


def mask_mobile(value: str | None) -> str:
    """``13800005678`` -> ``138****5678``; ``+8613800005678`` -> ``+86138****5678``."""
    value = value or ""
    if len(value) >= 9:
        return value[:-8] + MASK * 4 + value[-4:]
    if len(value) > 4:
        return MASK * (len(value) - 2) + value[-2:]
    return MASK * len(value)


# The end of a Chinese address's district part: 区 (district), 县 (county), 旗 (banner), or a
# county-level 市 after the province/prefecture.
_DISTRICT = re.compile(r"^.{2,14}?(?:区|县|旗)")


def mask_address(value: str | None) -> str:
    """Down to the district or county, then ``***`` (``北京市朝阳区建国路1号`` -> ``北京市朝阳区***``);
    an address without one keeps its first 6 characters (a third of a short one)."""
    value = (value or "").strip()
    if not value:
        return ""
    m = _DISTRICT.match(value)
    kept = m.group(0) if m and len(m.group(0)) < len(value) else value[: min(6, len(value) // 3)]
    return kept + MASK * 3


def mask_name(value: str | None) -> str:
    """``王芳`` -> ``王*``; ``Wang Fang`` -> ``W********``."""
    value = value or ""
    return value[:1] + MASK * (len(value) - 1) if len(value) > 1 else MASK * len(value)


# The personal fields of a borrower and their masks: the one list every surface masks.
MASKS = {
    "id_number": mask_id_number,
    "mobile": mask_mobile,
    "address": mask_address,
    "spouse_name": mask_name,
    "spouse_id_number": mask_id_number,
}
FIELDS = tuple(MASKS)


# A party's keys (a guarantor's, a collateral owner's) and their masks: the first part of the
# list found in the key decides (``owner_id_number`` is an ID number, ``owner_name`` a name).
PARTY_KEYS = (
    ("id_number", mask_id_number),
    ("id_no", mask_id_number),
    ("mobile", mask_mobile),
    ("phone", mask_mobile),
    ("address", mask_address),
    ("name", mask_name),
    ("owner", mask_name),
)


def _party_mask(key):
    key = str(key).lower()
    return next((fn for part, fn in PARTY_KEYS if part in key), None)


def mask_party(party):
    """One guarantor or collateral entry with its personal values masked; other values (a
    relation, a kind of collateral, its value) as they are."""
    if not isinstance(party, dict):
        return party
    out = {}
    for key, value in party.items():
        fn = _party_mask(key)
        out[key] = fn(value) if fn is not None and isinstance(value, str) and value else value
    return out


def mask_parties(parties) -> list:
    """An application's ``guarantors`` or ``collateral`` as every surface shows them."""
    return [mask_party(p) for p in parties or []]


def party_fields(parties) -> list[str]:
    """The personal keys the entries hold (what an audit row of a reveal names)."""
    return sorted({k for p in parties or [] if isinstance(p, dict) for k, v in p.items() if _party_mask(k) and v})


# A mainland mobile number (11 digits from 1[3-9], maybe after +86) and a resident ID number
# (17 digits and a check character) inside free text, not inside a longer run of digits.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def scrub(text) -> str:
    """Free text (an error a gateway or a database sent back, a log message) with every mobile
    and ID number in it masked: what a log line may carry of a value it did not choose."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), str(text))
    return _MOBILE_IN_TEXT.sub(lambda m: mask_mobile(m.group(0)), text)


def mask(field: str, value) -> str:
    """The masked form of ``value`` of the personal field ``field``."""
    return MASKS[field](value)


def is_masked(value) -> bool:
    return isinstance(value, str) and MASK in value


def clear_values(borrower) -> dict[str, str]:
    """The borrower's personal fields in clear (only a reveal hands them out)."""
    return {f: getattr(borrower, f) or "" for f in FIELDS}


def masked_values(borrower) -> dict[str, str]:
    return {f: mask(f, getattr(borrower, f)) for f in FIELDS}


def may_reveal(user) -> bool:
    """May ``user`` reveal a borrower's personal fields (the table's ``borrower.reveal``)?"""
    return can(user, REVEAL_ACTION)


def id_number_lookup(user, q: str, field: str = "id_number") -> Q:
    """How a search term finds borrowers by ID number: by its beginning for the roles that
    may reveal, by the whole number for everybody else (no walking the numbers digit by
    digit)."""
    q = (q or "").strip().upper()
    if may_reveal(user):
        return Q(**{f"{field}__startswith": q})
    return Q(**{field: q})


# A serializer that outputs the personal fields (``pii_fields``, by default every one of
# ``FIELDS`` it has) masked, and refuses a masked value written back: 400 naming the field,
# unless it is the current value's own mask (a client echoing what it was given), which is
# ignored. (A comment, not a docstring: the schema would take it as every serializer's
# description.)
class MaskedFieldsMixin(serializers.Serializer):
    pii_fields: tuple[str, ...] = FIELDS

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in self.pii_fields:
            if name in data and data[name]:
                data[name] = mask(name, data[name])
        return data

    def to_internal_value(self, data):
        if hasattr(data, "items"):
            errors, drop = {}, []
            fields = self.fields
            for name in self.pii_fields:
                if name not in fields or fields[name].read_only:
                    continue  # not written: DRF leaves it alone
                value = data.get(name)
                if not is_masked(value):
                    continue
                current = getattr(self.instance, name, None) if self.instance is not None else None
                if current is not None and value == mask(name, current):
                    drop.append(name)
                else:
                    errors[name] = [_("This is a masked value: enter the full value.")]
            if errors:
                raise serializers.ValidationError(errors)
            if drop:
                data = {k: v for k, v in data.items() if k not in drop}
        return super().to_internal_value(data)
