"""The schema's postprocessing (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): the one home
for what every operation shares, so a generated client can keep the contract.

- Every operation documents its error answers with the shapes ``microloan.api``'s exception
  handler gives: 400 ``{"field": ["reason"]}`` (``ValidationError``), 401/403/404
  ``{"detail": "..."}`` (``Error``), 409 ``{"detail", "status"}`` (``Conflict``) for the moves
  a status table refuses.
- A default that its own enum or pattern would refuse (a choice field whose "omitted" is
  ``""``) is dropped: omitted still means the server's default.
- The document carries servers, a contact, and the tags it uses, described.
"""

import re

ERROR_SCHEMAS = {
    "ValidationError": {
        "type": "object",
        "description": "Bad input: each offending field (or `non_field_errors`, or `detail`) "
        'with the reasons, e.g. `{"amount": ["Ensure this value is greater than or equal to 1000."]}`. '
        "Nested bodies nest the same shape.",
        "additionalProperties": {},
    },
    "Error": {
        "type": "object",
        "description": "Not logged in, not allowed (with the reason), not found, or throttled.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "Conflict": {
        "type": "object",
        "description": "The record's status does not allow this move now: why, and the status it is in.",
        "properties": {"detail": {"type": "string"}, "status": {"type": "string"}},
        "required": ["detail", "status"],
    },
}

ERRORS = {
    "400": ("ValidationError", "Bad input: the fields and their reasons."),
    "401": ("Error", "Not logged in, or the token is no longer good."),
    "403": ("Error", "Not allowed: the permission table or a rule refuses, with the reason."),
    "404": ("Error", "No such record (or not one of yours)."),
    "409": ("Conflict", "Its status does not allow this now."),
    "429": ("Error", "Too many requests; try again later."),
}

TAG_DESCRIPTIONS = {
    "auth": "Logins and tokens: password, SMS code, refresh, logout.",
    "me": "The logged-in person: who they are and what is theirs.",
    "products": "Loan products (public).",
    "quotes": "Repayment quotes for a product, amount and term (public).",
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _errors_for(path, method, operation):
    codes = ["401", "403"]
    if operation.get("requestBody") or any(p.get("in") == "query" for p in operation.get("parameters", [])):
        codes.insert(0, "400")
    if "{" in path:
        codes.append("404")
        if method in ("post", "put", "patch", "delete"):
            codes.append("409")
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])) and "409" not in codes:
        codes.append("409")
    return codes


def _valid_default(schema, default, components):
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "enum" in schema and default not in schema["enum"]:
        return False
    if "pattern" in schema and isinstance(default, str) and not re.search(schema["pattern"], default):
        return False
    if "allOf" in schema:
        return all(_valid_default(s, default, components) for s in schema["allOf"])
    if "oneOf" in schema or "anyOf" in schema:
        return any(_valid_default(s, default, components) for s in schema.get("oneOf", schema.get("anyOf")))
    return True


def _drop_bad_defaults(node, components):
    if isinstance(node, dict):
        if "default" in node and not _valid_default(node, node["default"], components):
            del node["default"]
        for value in node.values():
            _drop_bad_defaults(value, components)
    elif isinstance(node, list):
        for value in node:
            _drop_bad_defaults(value, components)


def postprocess(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        components.setdefault(name, schema)
    used_tags = set()
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if operation.get("tags") == ["v1"]:
                # drf-spectacular's fallback, the path's first segment: the second says more.
                operation["tags"] = [path.strip("/").split("/")[2]]
            used_tags.update(operation.get("tags", []))
            responses = operation["responses"]
            for code in _errors_for(path, method, operation):
                name, description = ERRORS[code]
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": _ref(name)}}}
                )
    _drop_bad_defaults(result, components)
    result.setdefault("servers", [{"url": "/", "description": "This server"}])
    result.setdefault("info", {}).setdefault("contact", {"name": "Microloan", "url": "https://github.com/"})
    known = {t["name"] for t in result.get("tags", [])}
    result.setdefault("tags", [])
    for tag in sorted(used_tags - known):
        result["tags"].append({"name": tag, "description": TAG_DESCRIPTIONS.get(tag, f"The {tag} API.")})
    return result
