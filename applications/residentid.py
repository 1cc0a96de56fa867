"""18-digit resident ID numbers (GB 11643-1999): check character, birth date, sex."""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class ResidentIdError(ValueError):
    pass


@dataclass(frozen=True)
class ResidentId:
    number: str
    region: str
    date_of_birth: date
    sex: str  # "M" or "F"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Validates and decodes; raises ResidentIdError with the reason a person can act on."""
    if value is None or not str(value).strip():
        raise ResidentIdError(_("The ID number is empty."))
    number = str(value).strip().upper()
    if len(number) != 18:
        raise ResidentIdError(_("An ID number has 18 characters, not %(n)d.") % {"n": len(number)})
    if not _SHAPE.match(number):
        raise ResidentIdError(_("The first 17 characters must be digits and the last a digit or X."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError(_("The birth date in the ID number is not a real date.")) from None
    if born < date(1900, 1, 1) or born > (today or date.today()):
        raise ResidentIdError(_("The birth date in the ID number is out of range."))
    if check_char(number[:17]) != number[17]:
        raise ResidentIdError(_("The check character does not match (wrong digit or typo)."))
    return ResidentId(number=number, region=number[:6], date_of_birth=born, sex="M" if int(number[16]) % 2 else "F")


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
