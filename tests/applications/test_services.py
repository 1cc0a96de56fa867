"""applications.services: the borrower rules every caller meets, whatever shape the values
come in (a form's Decimal, an API's parsed value, a lead's stored text)."""

from decimal import Decimal

import pytest

from applications.services import borrower_clean
from microloan.errors import InvalidInput


@pytest.mark.parametrize("given,expected", [("5000.00", Decimal("5000.00")), (Decimal("0"), Decimal("0")), (12, 12)])
def test_amounts_are_read_from_text_or_numbers(given, expected):
    assert borrower_clean({"monthly_income": given})["monthly_income"] == expected


@pytest.mark.parametrize(
    "given,message",
    [
        ("abc", "Enter an amount."),
        ("NaN", "Enter an amount."),
        ("-0.01", "Must not be negative."),
        (Decimal("-500"), "Must not be negative."),
    ],
)
def test_a_bad_amount_names_its_field(given, message):
    with pytest.raises(InvalidInput) as err:
        borrower_clean({"existing_debts": given})
    assert err.value.errors == {"existing_debts": [message]}
