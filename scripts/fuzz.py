"""The fuzzing run's helpers (scripts/fuzz.sh, make fuzz), in .venv-fuzz:

- ``recreate-database``: drops and creates FUZZ_DATABASE_URL's database;
- ``tokens``: logs officer, manager (password and TOTP code) and borrower in through
  POST /api/v1/auth/token/ and writes their access tokens to a JSON file;
- ``hostile``: pass 1, hand-written. For every operation of /api/schema/, every body field
  and every query (and header) parameter is given each hostile value of tests/hostile.py,
  the rest of the body staying plausible; the whole body is replaced by hostile bodies too.
  Each case is sent with each login and anonymously. Any 5xx, or a connection the server
  dropped, is a failure; the summary counts cases and statuses.
"""

import argparse
import json
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import BODY, DEEP_ARRAY, QUERY, splice  # noqa: E402

LOGINS = ("officer", "manager", "borrower")
METHODS = ("get", "post", "put", "patch", "delete")
JSON_TYPE = {"Content-Type": "application/json"}
# Whole bodies (bytes as sent, JSON content type).
WHOLE_BODIES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("not-utf8", b"\xff\xfe{}"),
    ("truncated", b'{"a": '),
    ("deep-array", DEEP_ARRAY.encode()),
    ("deep-object-field", b'{"x": ' + DEEP_ARRAY.encode() + b"}"),
    ("null", b"null"),
    ("list", b"[1, 2]"),
    ("string", b'"\\ud800"'),
    ("nul-key", b'{"\\u0000": 1}'),
    ("nan", b'{"a": NaN}'),
    ("duplicate-keys", b'{"a": 1, "a": 2}'),
]


def _log(*args) -> None:
    print(*args, flush=True)


# --- recreate-database ----------------------------------------------------------------------


def recreate_database(_args) -> int:
    import os

    import psycopg2

    url = urllib.parse.urlsplit(os.environ["FUZZ_DATABASE_URL"])
    name = url.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing a database name like {name!r}")
    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=urllib.parse.unquote(url.username or "postgres"),
        password=urllib.parse.unquote(url.password or "") or None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return 0


# --- tokens -----------------------------------------------------------------------------------


def tokens(args) -> int:
    import requests

    out = {}
    for login in LOGINS:
        body = {"username": login, "password": args.password}
        if login == "manager":
            body["otp"] = args.otp
        r = requests.post(f"{args.base}/api/v1/auth/token/", json=body, timeout=30)
        if r.status_code != 200:
            raise SystemExit(f"{login} could not log in: {r.status_code} {r.text[:300]}")
        out[login] = r.json()["access"]
        _log(f"   {login}: logged in")
    Path(args.out).write_text(json.dumps(out))
    return 0


# --- the schema -------------------------------------------------------------------------------


def resolve(schema: dict, node):
    """``node`` with $ref and allOf resolved (one level of properties deep)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        path = node["$ref"].lstrip("#/").split("/")
        target = schema
        for part in path:
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    if isinstance(node, dict) and "allOf" in node:
        merged: dict = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            part = resolve(schema, part)
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            merged["required"] = merged.get("required", []) + part.get("required", [])
            for key in ("type", "format", "enum", "pattern"):
                if key in part:
                    merged.setdefault(key, part[key])
        node = merged
    return node


STRING_FORMATS = {
    "date": "2026-11-23",
    "date-time": "2026-11-23T10:00:00+08:00",
    "decimal": "1000.00",
    "binary": None,
    "email": "fuzz@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
SCALARS = {"integer": 1, "number": 1.0, "boolean": True}


def _given(node) -> tuple[bool, object]:
    """(True, value) when the schema names a value itself: an example, a default, an enum."""
    if "example" in node:
        return True, node["example"]
    if node.get("default") is not None:
        return True, node["default"]
    if node.get("enum"):
        values = [v for v in node["enum"] if v not in (None, "")]
        return True, values[0] if values else None
    return False, None


def plausible(schema: dict, node, depth: int = 0):
    """A value of the right type for ``node``: what a polite client would send."""
    node = resolve(schema, node)
    for key in ("oneOf", "anyOf"):
        if key in node:
            choices = [c for c in node[key] if resolve(schema, c).get("type") != "null"]
            return plausible(schema, choices[0], depth) if choices else None
    given, value = _given(node)
    if given:
        return value
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        decimal = "\\d" in node.get("pattern", "")
        return "1000.00" if decimal else STRING_FORMATS.get(node.get("format", ""), "demo")
    if kind in SCALARS:
        return SCALARS[kind]
    if kind == "array":
        return [] if depth > 1 else [plausible(schema, node.get("items", {}), depth + 1)]
    if kind == "object" or "properties" in node:
        if depth > 2:
            return {}
        return {
            name: plausible(schema, sub, depth + 1)
            for name, sub in node.get("properties", {}).items()
            if not resolve(schema, sub).get("readOnly")
        }
    return "demo"


def operations(schema: dict):
    """(method, path template, operation, parameters, body media type, body schema)."""
    for path, item in schema["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [resolve(schema, p) for p in shared + op.get("parameters", [])]
            media, body = None, None
            content = resolve(schema, op.get("requestBody", {})).get("content", {})
            for candidate in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
                if candidate in content:
                    media, body = candidate, resolve(schema, content[candidate].get("schema", {}))
                    break
            yield method, path, op, params, media, body


# --- sending ----------------------------------------------------------------------------------


class Run:
    def __init__(self, base: str, tokens: dict[str, str]):
        import requests

        self.base = base
        self.sessions = {}
        for login in (None, *LOGINS):
            s = requests.Session()
            s.headers["Accept-Language"] = "en"
            s.headers["Accept"] = "application/json"
            if login:
                s.headers["Authorization"] = f"Bearer {tokens[login]}"
            self.sessions[login or "anonymous"] = s
        self.statuses: Counter = Counter()
        self.by_login: Counter = Counter()
        self.failures: list[str] = []
        self.cases = 0

    def send(self, login, method, url, what, *, data=None, files=None, headers=None):
        import requests

        self.cases += 1
        try:
            r = self.sessions[login].request(
                method.upper(), self.base + url, data=data, files=files, headers=headers, timeout=60
            )
            status = r.status_code
        except requests.RequestException as exc:
            status, r = f"dropped ({type(exc).__name__})", None
        self.statuses[status] += 1
        self.by_login[(login, (status if isinstance(status, int) else 599) // 100)] += 1
        if not isinstance(status, int) or status >= 500:
            line = f"{status} {login} {method.upper()} {url[:200]} {what}"
            self.failures.append(line)
            _log("!!", line)
        return r


def form_value(text: str) -> bytes:
    """A BODY value as a form field's bytes: a JSON string's text, other JSON as written."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = text
    if not isinstance(value, str):
        value = text
    return value.encode("utf-8", "surrogatepass")


def path_ids(run: Run, schema: dict) -> dict[str, str]:
    """For each list path, the id of its first row (as the officer sees it), so that detail
    and action paths reach an object rather than a 404."""
    ids = {}
    for path, item in schema["paths"].items():
        if "{" in path or "get" not in item:
            continue
        r = run.sessions["officer"].get(run.base + path, timeout=60)
        try:
            rows = r.json()
        except ValueError:
            continue
        rows = rows.get("results", rows) if isinstance(rows, dict) else rows
        if isinstance(rows, list) and rows and isinstance(rows[0], dict) and "id" in rows[0]:
            ids[path] = str(rows[0]["id"])
    return ids


def fill_path(path: str, ids: dict[str, str]) -> str:
    head = path.split("{", 1)[0]
    value = ids.get(head, "1")
    parts = []
    for chunk in path.split("{"):
        if "}" in chunk:
            _name, rest = chunk.split("}", 1)
            parts.append(value + rest)
            value = "1"
        else:
            parts.append(chunk)
    return "".join(parts)


# A login the operation refuses outright (401, 403 on a plausible request) is refused before
# its input is read: it gets these values only, not the whole table.
REFUSED_SUBSET = {"deep-array", "nul", "lone-high-surrogate", "huge-exponent", "long-ascii", "not-utf8", "nan"}


class Operation:
    """One operation of the schema and its hostile cases."""

    def __init__(self, run: Run, method, url, params, media, schema, body_schema):
        self.run, self.method, self.url, self.media = run, method, url, media
        base = plausible(schema, body_schema) if body_schema else None
        self.base = base if isinstance(base, dict) else {}
        self.fields = list((body_schema or {}).get("properties", {}))
        self.query = [p["name"] for p in params if p.get("in") == "query"]
        self.header = [p["name"] for p in params if p.get("in") == "header"]

    def send_body(self, login, what, field=None, text=None):
        if self.media == "application/json" or self.media is None:
            data = splice(self.base, field, text) if field else json.dumps(self.base).encode()
            return self.run.send(login, self.method, self.url, what, data=data, headers=JSON_TYPE)
        files = {
            k: (None, json.dumps(v) if not isinstance(v, str) else v)
            for k, v in self.base.items()
            if v is not None and k != field
        }
        if field:
            files[field] = (None, form_value(text))
        return self.run.send(login, self.method, self.url, what, files=files or {"": (None, "")})

    def attack(self, login):
        probe = self.send_body(login, "plausible")
        refused = probe is not None and probe.status_code in (401, 403)
        body_values = [(n, t) for n, t in BODY if not refused or n in REFUSED_SUBSET]
        query_values = [(n, r) for n, r in QUERY if not refused or n in REFUSED_SUBSET]
        for name in self.query:
            for value_name, raw in query_values:
                url = f"{self.url}?{urllib.parse.quote(name)}={raw}"
                self.run.send(login, self.method, url, f"query {name}={value_name}")
        for name in self.header:
            for value_name, raw in query_values:
                value = urllib.parse.unquote(raw, encoding="latin-1")
                if value.isprintable():
                    self.run.send(login, self.method, self.url, f"header {name}={value_name}", headers={name: value})
        if self.media is None:
            return
        for field in self.fields:
            for value_name, text in body_values:
                self.send_body(login, f"body {field}={value_name}", field, text)
        for value_name, raw in WHOLE_BODIES:
            self.run.send(login, self.method, self.url, f"whole body {value_name}", data=raw, headers=JSON_TYPE)


def hostile(args) -> int:
    import requests

    started = time.monotonic()
    tokens = json.loads(Path(args.tokens).read_text())
    schema = requests.get(f"{args.base}/api/schema/", params={"format": "json"}, timeout=60).json()
    run = Run(args.base, tokens)
    ids = path_ids(run, schema)
    ops = list(operations(schema))
    # Deletions last: they would take away the objects the other operations reach.
    ops.sort(key=lambda op: op[0] == "delete")
    logins = ["anonymous", *LOGINS]
    n_ops = 0
    for method, template, _op, params, media, body_schema in ops:
        n_ops += 1
        _log(f"   [{n_ops}/{len(ops)}] {method.upper()} {template} ({run.cases} cases so far)")
        op = Operation(run, method, fill_path(template, ids), params, media, schema, body_schema)
        for login in logins:
            op.attack(login)
    seconds = time.monotonic() - started
    summary = {
        "operations": n_ops,
        "logins": logins,
        "cases": run.cases,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items(), key=lambda kv: str(kv[0]))},
        "by_login": {f"{login} {klass}xx": n for (login, klass), n in sorted(run.by_login.items())},
        "server_errors": len(run.failures),
        "failures": run.failures[:200],
        "seconds": round(seconds, 1),
    }
    Path(args.summary).write_text(json.dumps(summary, indent=2))
    _log(f"   {n_ops} operations, {len(logins)} logins, {run.cases} cases in {seconds:.0f} s")
    _log("   statuses: " + ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items()))
    _log(f"   server errors: {len(run.failures)}")
    return 1 if run.failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("recreate-database").set_defaults(func=recreate_database)
    p = sub.add_parser("tokens")
    p.add_argument("--base", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--otp", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=tokens)
    p = sub.add_parser("hostile")
    p.add_argument("--base", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--summary", required=True)
    p.set_defaults(func=hostile)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
