"""Documents: what an upload must be to be stored (content.py), how many one may store
(quota.py), the virus-scan hook (scanning.py), and who may open a stored one and how it is
served (serving.py). ``admit_upload`` is the one gate the upload service
(``services.document_upload``) passes every file through."""

from django.utils.translation import gettext as _

from microloan.errors import InvalidInput

from .content import inspect_upload, sniff_content_type
from .quota import check_quota
from .scanning import ScanError, scan

__all__ = ["admit_upload", "inspect_upload", "sniff_content_type"]


def admit_upload(*, actor, application, file) -> dict:
    """The stored file's fields of ``file`` for ``application`` (``content_type``, ``size``,
    ``sha256``, ``original_name``: what a Document and a Consent both keep), or InvalidInput on
    ``file`` saying why it is refused: a quota, its size or content, or a virus. The caller
    holds the application's lock (services.document_upload); ``application`` is None for a
    borrower's consent (services.consent_record), which counts in the uploader's quota only."""
    try:
        check_quota(actor=actor, application=application, size=file.size or 0)
        content_type, size, sha = inspect_upload(file)
    except ValueError as exc:
        raise InvalidInput({"file": [str(exc)]}) from None
    try:
        threat = scan(file)
    except ScanError:
        raise InvalidInput({"file": [_("The file could not be checked for viruses; try again later.")]}) from None
    if threat:
        raise InvalidInput(
            {"file": [_("The file was refused: the virus scanner found %(threat)s in it.") % {"threat": threat}]}
        )
    original_name = (getattr(file, "name", "") or "")[:255]
    return {"content_type": content_type, "size": size, "sha256": sha, "original_name": original_name}
