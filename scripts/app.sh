#!/usr/bin/env bash
# The borrowers' app and the schema contract (issue #13 points 3, 8), run by scripts/test.sh
# and `make app`: regenerate the OpenAPI schema (validated) into var/openapi.yaml, lint it
# with Spectral (0 errors), regenerate the app's typed client (borrower-app/src/api/schema.d.ts),
# type-check the app strictly (tsc --noEmit), rebuild the bundle into static/app/; with
# CHECK=1 (CI) fail when the committed client or bundle differ from the rebuilt ones.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}

command -v npm >/dev/null 2>&1 || { echo "scripts/app.sh: Node.js 20 and npm are needed" >&2; exit 1; }
mkdir -p var
(cd borrower-app && npm ci --no-audit --no-fund --loglevel=error)
# The schema is the PostgreSQL one whatever database this shell points at: integer ranges (and
# so "format: int64") come from the backend, and the committed client must not depend on it.
# Generating it connects to nothing.
DATABASE_URL=postgres://schema@127.0.0.1:1/schema "$PY" manage.py spectacular --lang en --validate --fail-on-warn --file var/openapi.yaml
(cd borrower-app && npx --no-install spectral lint --fail-severity error --display-only-failures \
  -r ../.spectral.yaml ../var/openapi.yaml)
(cd borrower-app && npm run -s gen && npm run -s typecheck && npm run -s build -- --logLevel warn)

if [ "${CHECK:-0}" = "1" ]; then
  if ! git diff --quiet -- borrower-app/src/api/schema.d.ts static/app \
     || [ -n "$(git ls-files --others --exclude-standard -- static/app borrower-app/src)" ]; then
    git status --short -- borrower-app/src/api/schema.d.ts static/app
    echo "scripts/app.sh: the committed app client or bundle is stale: run 'make app' and commit" >&2
    exit 1
  fi
fi
