"""A client generated from the schema by openapi-python-client imports fully and drives the
borrower's journey against a live server (issue #13 point 8): products and a quote without a
login, a token, ``/me/``, an application and its list.

The generator runs in its own venv (requirements-client.txt; scripts/test.sh makes
``.venv/client``, or set ``OPENAPI_CLIENT_VENV``); the generated package is imported and
driven by that venv's Python in a subprocess, so its httpx and attrs never meet the product's."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.kernel.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("OPENAPI_CLIENT_VENV", ROOT / ".venv" / "client"))

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (VENV / "bin" / "openapi-python-client").exists() and not os.environ.get("CI"),
        reason="no .venv/client (scripts/test.sh installs it; with CI set it is required)",
    ),
]

DRIVER = r"""
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[1])
base, username, password, product_id = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
import mlc
failed = []
count = 0
for info in pkgutil.walk_packages(mlc.__path__, "mlc."):
    count += 1
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{info.name}: {exc!r}")

from mlc import AuthenticatedClient, Client
from mlc.api.products import v1_products_list as products_list
from mlc.api.quotes import v1_quotes_create as quotes_create
from mlc.api.auth import v1_auth_token_create as auth_token_create
from mlc.api.me import v1_me_retrieve as me_retrieve
from mlc.api.applications import v1_applications_create as applications_create
from mlc.api.applications import v1_applications_list as applications_list
from mlc.models import ApplicationCreateRequest, QuoteInRequest, RepaymentMethodEnum, TokenObtainPairRequest

anon = Client(base_url=base, raise_on_unexpected_status=True)
products = products_list.sync(client=anon)
quote = quotes_create.sync(client=anon, body=QuoteInRequest(
    principal="10000.00", annual_rate="0.12", term=12, method=RepaymentMethodEnum.ANNUITY))
bad = quotes_create.sync_detailed(client=anon, body=QuoteInRequest(
    principal="-1", annual_rate="0.12", term=12, method=RepaymentMethodEnum.ANNUITY))
token = auth_token_create.sync(client=anon, body=TokenObtainPairRequest(username=username, password=password))
me_client = AuthenticatedClient(base_url=base, token=token.access, raise_on_unexpected_status=True)
me = me_retrieve.sync(client=me_client)
created = applications_create.sync(client=me_client, body=ApplicationCreateRequest(
    product=product_id, amount="5000.00", term=6, method=RepaymentMethodEnum.ANNUITY, purpose="shop"))
mine = applications_list.sync(client=me_client)
print(json.dumps({
    "modules": count, "failed": failed,
    "products": [p.id for p in products.results],
    "installments": len(quote.installments), "total": str(quote.total_payable),
    "bad_status": bad.status_code, "bad_fields": sorted(bad.parsed.additional_properties) if bad.parsed else None,
    "me": type(me).__name__, "created": created.status.value if hasattr(created.status, "value") else created.status,
    "mine": [a.id for a in mine.results],
}))
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    out = tmp_path_factory.mktemp("client")
    schema = out / "openapi.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--lang", "en", "--file", str(schema), "--validate", "--fail-on-warn")
    result = subprocess.run(
        [
            str(VENV / "bin" / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(out / "mlc"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and (out / "mlc" / "client.py").exists(), result.stdout + result.stderr
    return out


def test_the_generated_client_imports_fully_and_drives_the_journey(generated, live_server, product, borrower_user):
    result = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            DRIVER,
            str(generated),
            live_server.url,
            borrower_user.username,
            PASSWORD,
            str(product.pk),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["failed"] == [] and out["modules"] > 100
    assert out["products"] == [product.pk]
    assert out["installments"] == 12 and out["total"]
    assert out["bad_status"] == 400 and out["bad_fields"] == ["principal"]
    assert out["me"] == "Borrower"
    assert out["created"] == "draft"
    assert len(out["mine"]) == 1
