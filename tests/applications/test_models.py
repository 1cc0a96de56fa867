"""applications.models: a product's name by the reader's language, one rule for the model, the
contract and the reports' value rows."""

import pytest
from django.utils import translation

from applications.models import Product, product_name


@pytest.mark.parametrize(
    ("name_en", "language", "shown"),
    [
        ("Farmer micro-credit", "en", "Farmer micro-credit"),
        ("Farmer micro-credit", "en-us", "Farmer micro-credit"),
        ("Farmer micro-credit", "zh-hans", "农户小额信用贷款"),
        ("Farmer micro-credit", None, "农户小额信用贷款"),
        ("", "en", "农户小额信用贷款"),  # no English name: the legal (Chinese) name
    ],
)
def test_the_name_a_reader_sees(name_en, language, shown):
    product = Product(name="农户小额信用贷款", name_en=name_en)
    assert product_name(name=product.name, name_en=product.name_en, language=language) == shown
    assert product.name_in(language) == shown
    with translation.override(language):
        assert product.display_name == shown
