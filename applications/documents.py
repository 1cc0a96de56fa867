"""Upload checks: the content decides the type (magic bytes), never the file name."""

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def inspect_upload(file) -> tuple[str, int, str]:
    """Returns (content type, size, sha256) or raises ValueError with a reason for people."""
    size = file.size
    if not size:
        raise ValueError(_("The file is empty."))
    if size > settings.DOCUMENT_MAX_BYTES:
        raise ValueError(
            _("The file is %(size)d bytes; the limit is %(limit)d bytes.")
            % {"size": size, "limit": settings.DOCUMENT_MAX_BYTES}
        )
    file.seek(0)
    content_type = sniff_content_type(file.read(16))
    if content_type is None:
        raise ValueError(_("Only PDF, JPEG and PNG files are accepted; this file's content is none of them."))
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return content_type, size, digest.hexdigest()
