"""Opening a stored document: the only way a file leaves the storage (nothing serves
MEDIA_ROOT by URL). Who may open one, the audit row each opening writes, and the headers
of the response, for the officer page and the API alike.

- Who: the staff roles that work on or decide applications (officer, reviewer, manager,
  administrator, operations supervisor: they collect, review and decide on the documents,
  and authorise a release against the documents that show its conditions met), for the
  applications their branch tree holds, and the borrower, for their own applications.
  Collectors and auditors do not open borrowers' papers (an auditor reads the audit trail,
  which records every opening). A role without the right gets 403; an application outside
  one's scope, 404, as if it did not exist.
- Each opening writes an audit row: who, which document (and the application, the file's
  SHA-256), when, through which door (page or API) and how (inline or attachment).
- The response: the stored content type (sniffed at upload, never the client's), nosniff,
  Content-Disposition with a safe file name (an ASCII one and the original, RFC 5987, for
  Chinese names), and no caching anywhere on the way.
"""

import logging
import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.errors import InvalidInput
from microloan.permissions import can, require

from .. import selectors
from ..models import Consent, Document

log = logging.getLogger(__name__)
DISPOSITIONS = ("attachment", "inline")
NAME_CHARS = 100


def may_open_documents(user) -> bool:
    """Whether ``user``'s role opens documents (of the applications they may see)."""
    return can(user, "document.open")


def parse_disposition(value: str | None, default: str = "attachment") -> str:
    if value in (None, ""):
        return default
    if value not in DISPOSITIONS:
        raise InvalidInput({"disposition": [_("Choose 'inline' or 'attachment'.")]})
    return value


def document_open(*, actor, application_pk: int, document_pk: int, via: str, disposition: str):
    """The document and its stored file, opened for reading, after the audit row of the
    opening is written. NotAllowed for a role without the right, Http404 outside the actor's
    scope or when the stored file is gone."""
    require(actor, "document.open")
    scope = selectors.application_list(user=actor).filter(pk=application_pk).values("pk")
    doc = Document.objects.filter(pk=document_pk, application_id=application_pk, application__in=scope).first()
    if doc is None:
        raise Http404(_("No such document."))
    data = {"application": doc.application_id, "via": via, "disposition": disposition}
    return doc, _opened(actor=actor, obj=doc, entity="document", data=data)


def consent_open(*, actor, borrower_pk: int, consent_pk: int, via: str, disposition: str):
    """A borrower's signed consent (授权书) and its stored file, as ``document_open``: the same
    roles (``document.open``), the borrowers the actor may see, an audit row per opening."""
    require(actor, "document.open")
    scope = selectors.borrower_list(user=actor).filter(pk=borrower_pk).values("pk")
    consent = Consent.objects.filter(pk=consent_pk, borrower_id=borrower_pk, borrower__in=scope).first()
    if consent is None:
        raise Http404(_("No such document."))
    # (An anonymised borrower's consent keeps its row, not its file: a 404.)
    data = {"borrower": consent.borrower_id, "via": via, "disposition": disposition}
    return consent, _opened(actor=actor, obj=consent, entity="consent", data=data)


def _opened(*, actor, obj: Document | Consent, entity: str, data: dict):
    """``obj``'s stored file, open for reading, and the audit row of its opening (with the
    file's SHA-256); a 404 when the storage no longer holds it."""
    try:
        stored = obj.file.open("rb")
    except (FileNotFoundError, ValueError):
        log.error("%s %s: stored file %r is missing", entity, obj.pk, obj.file.name)
        raise Http404(_("The document's file is missing from the storage.")) from None
    audit_record(actor=actor, entity=entity, entity_id=obj.pk, action="open", data={**data, "sha256": obj.sha256})
    return stored


def safe_filename(doc: Document | Consent) -> tuple[str, str]:
    """(an ASCII file name, the full one) for ``doc``: the client's name without its path,
    control characters or quotes, with the extension of the stored type (a ".html" name never
    reaches the person's disk); "document-<id>" when nothing usable is left."""
    name = re.split(r"[/\\]", doc.original_name or "")[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = re.sub(r'["*:<>?|;%]+', "_", name).strip(" .")
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name else name
    fallback = f"document-{doc.pk}"
    stem = (stem or fallback)[:NAME_CHARS]
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9.-]+", "_", plain).strip("_")
    if not ascii_stem.strip(".-"):
        ascii_stem = fallback
    return f"{ascii_stem}{doc.extension}", f"{stem}{doc.extension}"


def content_disposition(doc: Document | Consent, disposition: str) -> str:
    ascii_name, full_name = safe_filename(doc)
    value = f'{disposition}; filename="{ascii_name}"'
    if full_name != ascii_name:
        value += f"; filename*=UTF-8''{quote(full_name, safe='')}"
    return value


def document_response(doc: Document | Consent, stored, disposition: str) -> FileResponse:
    response = FileResponse(stored, content_type=doc.content_type)
    response["Content-Disposition"] = content_disposition(doc, disposition)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    add_never_cache_headers(response)
    response["Pragma"] = "no-cache"
    return response
