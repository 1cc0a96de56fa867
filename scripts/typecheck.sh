#!/usr/bin/env bash
# mypy with django-stubs over the kernel (with the lending engine inside it) and every app's
# services, module or package: the code where the business rules live.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(microloan)
for app in */; do
  app=${app%/}
  [ -f "$app/apps.py" ] || continue
  [ -f "$app/services.py" ] && targets+=("$app/services.py")
  [ -d "$app/services" ] && targets+=("$app/services")
done
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-microloan.settings.test}
exec "${VENV:-.venv}/bin/mypy" "${targets[@]}"
