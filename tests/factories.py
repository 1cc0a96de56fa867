"""Compatibility only: the factories now live with their apps (tests/kernel/factories.py,
tests/applications/factories.py, tests/underwriting/factories.py, tests/servicing/factories.py,
...). This module re-exports them for the test files still importing ``tests.factories``
until the lead removes it; import from the per-app modules instead."""

from .applications.factories import (  # noqa: F401
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    ApplicationFactory,
    BorrowerFactory,
    DocumentFactory,
    LeadFactory,
    ProductFactory,
    id_number,
)
from .kernel.factories import BranchFactory, UserFactory  # noqa: F401
