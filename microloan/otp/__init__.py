"""One-time SMS codes (验证码) for the borrowers' app: sign-up, login, password reset,
electronic signing and a change of mobile number.

``models`` (the table: one row per code sent, the code kept only as a keyed digest),
``services`` (``otp_request``: the rate limits, the outbox SMS; ``otp_verify``: expiry, the
attempt cap, once-only use) and ``api`` (the anonymous auth endpoints, imported by the URLconf
only). ``microloan/models.py`` imports ``models`` for the app registry.
"""
