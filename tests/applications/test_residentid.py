import json
import os
from datetime import date
from pathlib import Path

import pytest

from applications.residentid import ResidentIdError, age_on, parse_resident_id

SHARED = Path(os.environ.get("MICROLOAN_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
REFERENCE = json.loads((SHARED / "reference" / "resident_ids.json").read_text())


@pytest.mark.parametrize("number", REFERENCE["valid"])
def test_valid_reference_numbers_parse(number):
    rid = parse_resident_id(number)
    # given the GB 11643 layout, birth date is digits 7-14 and sex the parity of digit 17
    assert rid.date_of_birth == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert rid.sex == ("M" if int(number[16]) % 2 else "F")


@pytest.mark.parametrize("case", REFERENCE["invalid"], ids=lambda c: c["why"])
def test_invalid_reference_numbers_are_refused_with_a_reason(case):
    with pytest.raises(ResidentIdError) as err:
        parse_resident_id(case["value"])
    assert str(err.value)


def test_known_number_decodes():
    rid = parse_resident_id("11010519491231002x")  # lower-case x is accepted and normalised
    assert rid.number == "11010519491231002X"
    assert rid.date_of_birth == date(1949, 12, 31)
    assert rid.sex == "F"


def test_future_birth_date_is_refused():
    with pytest.raises(ResidentIdError):
        parse_resident_id("110105203001010016", today=date(2026, 1, 1))


def test_age_on_birthday_boundary():
    assert age_on(date(2000, 3, 1), date(2018, 2, 28)) == 17
    assert age_on(date(2000, 3, 1), date(2018, 3, 1)) == 18
