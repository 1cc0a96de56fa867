import pytest

from microloan.ledger import ensure_chart


@pytest.fixture(autouse=True)
def chart(db):
    """Every ledger test starts with the chart of accounts."""
    ensure_chart()
