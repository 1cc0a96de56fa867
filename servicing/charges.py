"""Charges (fees beyond the upfront fee): placeholder, filled in below."""


def charge_statement_events(*, loan, end):
    return []
