"""Chinese number formats as a bank's statements print them: money grouped in threes with a
comma (1,234,567.89), not Django's default for zh-hans (no separator, groups of four). Every
other format falls back to Django's own zh_Hans module."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
