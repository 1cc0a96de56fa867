"""The project's URLs plus the trial balance, for the ledger tests (until urls.py wires it)."""

from django.urls import path

from microloan.ledger import views as ledger_views
from microloan.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("ledger/trial-balance/", ledger_views.trial_balance_view, name="trial-balance"),
    *project_urlpatterns,
]
