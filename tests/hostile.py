"""The hostile values, one table for the fuzzer (scripts/fuzz.py, make fuzz) and the tests
(tests/kernel/test_hostile_inputs.py): what a client may send where the API expects a
field's value. No Django here: the fuzzer imports it outside the product.

``BODY`` values are JSON *text*, spliced into a request body as a field's value (so that
what Python's encoder will not write, a 1000-deep array or a lone surrogate, is sent as
is). ``QUERY`` values are the raw, already percent-encoded text of a query-string value
(bytes that are not UTF-8 included)."""

import json

DEPTH = 1000
DEEP_ARRAY = "[" * DEPTH + "]" * DEPTH
DEEP_OBJECT = '{"a": ' * DEPTH + "1" + "}" * DEPTH
LONG = 100_000

# (name, JSON text)
BODY: list[tuple[str, str]] = [
    ("deep-array", DEEP_ARRAY),
    ("deep-object", DEEP_OBJECT),
    ("nul", '"a\\u0000b"'),
    ("nul-only", '"\\u0000"'),
    ("lone-high-surrogate", '"\\ud800"'),
    ("lone-low-surrogate", '"x\\udfffy"'),
    ("surrogate-key", '{"\\ud800": 1}'),
    ("nul-in-list", '["ok", "\\u0000"]'),
    ("huge-int", "1" + "0" * 40),
    ("huge-int-string", '"' + "9" * 60 + '"'),
    ("int-past-4300-digits", "1" * 5000),
    ("huge-exponent", "1e400"),
    ("huge-exponent-string", '"1e999999"'),
    ("tiny-exponent-string", '"1e-999999"'),
    ("negative-huge", "-1e308"),
    ("nan-string", '"NaN"'),
    ("infinity-string", '"Infinity"'),
    ("negative-zero", "-0.0"),
    ("many-decimals", '"0.' + "1" * 400 + '"'),
    ("full-width-digits", '"\uff11\uff10\uff10\uff10"'),
    ("arabic-digits", '"\u0661\u0660\u0660\u0660"'),
    ("devanagari-digits", '"\u0967\u0966\u0966\u0966"'),
    ("full-width-date", '"\uff12\uff10\uff12\uff16-\uff10\uff11-\uff10\uff11"'),
    ("date-year-0", '"0000-01-01"'),
    ("date-year-9999", '"9999-12-31"'),
    ("date-feb-30", '"2026-02-30"'),
    ("datetime-junk", '"2026-13-45T99:99:99+99:99"'),
    ("long-ascii", '"' + "x" * LONG + '"'),
    ("long-cjk", '"' + "\u4e2d" * 20_000 + '"'),
    ("long-digits", '"' + "7" * 5000 + '"'),
    ("rtl-and-zero-width", '"\u202e\u200b\ufeff\u0301"'),
    ("emoji", '"\U0001f4b8\U0001f468\u200d\U0001f469\u200d\U0001f467"'),
    ("null", "null"),
    ("true", "true"),
    ("empty-string", '""'),
    ("blank", '"   "'),
    ("zero", "0"),
    ("negative", "-1"),
    ("float", "1.5"),
    ("big-float", "1.7976931348623157e308"),
    ("word", '"abc"'),
    ("empty-object", "{}"),
    ("object", '{"id": 1, "value": "x"}'),
    ("empty-list", "[]"),
    ("list", "[1, 2, 3]"),
    ("list-of-objects", '[{"a": 1}, {"b": [2]}]'),
    ("sql", '"\' OR 1=1 --"'),
    ("markup", '"<script>alert(1)</script>"'),
    ("path", '"../../etc/passwd"'),
]

# (name, raw query-string value)
QUERY: list[tuple[str, str]] = [
    ("nul", "a%00b"),
    ("lone-surrogate-bytes", "%ED%A0%80"),
    ("not-utf8", "%FF%FE"),
    ("huge-int", "1" + "0" * 40),
    ("int-past-4300-digits", "1" * 3000),
    ("huge-exponent", "1e400"),
    ("nan", "NaN"),
    ("negative", "-1"),
    ("float", "1.5"),
    ("full-width-digits", "%EF%BC%91%EF%BC%90"),
    ("arabic-digits", "%D9%A1%D9%A0"),
    ("date-year-0", "0000-01-01"),
    ("date-feb-30", "2026-02-30"),
    ("long", "x" * 3000),
    ("word", "abc"),
    ("empty", ""),
    ("list-syntax", "%5B1%2C2%5D"),
    ("sql", "%27%20OR%201%3D1%20--"),
    ("comma-list", "1,2,,abc"),
    ("ordering-junk", "-__class__"),
]

BODY_VALUES = dict(BODY)


def splice(base: dict, field: str, text: str) -> bytes:
    """``base`` as a JSON body with ``field``'s value replaced by the JSON text ``text``."""
    marker = "\u0000MARK\u0000"
    body = json.dumps({**base, field: marker}, ensure_ascii=False)
    return body.replace(json.dumps(marker, ensure_ascii=False), text).encode("utf-8", "surrogatepass")
