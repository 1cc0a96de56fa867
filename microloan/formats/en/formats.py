"""English number formats: the same grouping as zh-hans, so a figure reads alike in both."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
