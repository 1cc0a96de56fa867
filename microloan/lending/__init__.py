"""The lending engine: the arithmetic of a loan, pure Python with no Django import.

``money``       Decimal money and rates, the one half-up rounding rule, the API's formats
``schedule``    repayment schedules for every method, frequency and grace; due dates; interest to the day
``apr``         the APR by the IRR method
``allocation``  how a payment is split over the instalments owed
``errors``      ``ScheduleError``, an input the rules cannot accept

Underwriting and servicing both depend on it (downward); it depends on nothing in the project,
so it imports and runs without Django settings (tests/kernel/lending/test_imports.py).
"""
