"""The holiday calendar: public holidays and make-up working days (调休) per region, kept by
administrators through configuration changes (a second administrator applies), and the one
answer to "is this a working day?" (``calendar``) that schedules, the close, reminders and
the escalation ladder share."""
