"""What an upload must be to be stored: the content decides the type (magic bytes), never the
file name; and the content must be what its type says, not a PDF header over a ZIP archive
(a zip bomb), HTML or script, nor an image whose declared size is absurd.

The checks read the bytes only as far as each needs: the first kilobyte (type, HTML), the
last kilobyte (a PDF's end-of-file marker, a ZIP archive's directory) and an image's header
(Pillow reads its dimensions without decoding the pixels)."""

import hashlib
import re
import warnings
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from microloan.policy import policy

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
# Pillow's name of each image type we accept.
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
HEAD_BYTES = 1024
# The PDF standard puts "%%EOF" within the file's last 1,024 bytes.
TAIL_BYTES = 1024
PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
# What a browser (or an old one's sniffing) takes for HTML or script, looked for in the head.
MARKUP = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|frame|object|embed|style|svg|meta\s|link\s|form|title>)",
    re.IGNORECASE,
)


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def _read(file, start: int, length: int) -> bytes:
    file.seek(start)
    data = file.read(length)
    file.seek(0)
    return data


def check_content(file, *, content_type: str, size: int) -> None:
    """Raises ValueError with a reason for people when the content is not what ``content_type``
    (sniffed from its first bytes) says it is."""
    head = _read(file, 0, HEAD_BYTES)
    if zipfile.is_zipfile(file):
        raise ValueError(_("The file holds a ZIP archive behind its header; archives are not accepted."))
    file.seek(0)
    if MARKUP.search(head):
        raise ValueError(_("The file holds HTML or script; it is not accepted."))
    if content_type == "application/pdf":
        if not PDF_HEADER.match(head):
            raise ValueError(_("The file's PDF header is damaged."))
        if b"%%EOF" not in _read(file, max(0, size - TAIL_BYTES), TAIL_BYTES):
            raise ValueError(
                _(
                    "The file has a PDF header but no PDF end-of-file marker: it is damaged, "
                    "or something else behind a PDF header."
                )
            )
    elif content_type in IMAGE_FORMATS:
        _check_image(file, IMAGE_FORMATS[content_type])


def _check_image(file, image_format: str) -> None:
    """The image's header must parse and declare at most the policy's pixels (the pixels are
    not decoded: a small file may declare a huge image, a decompression bomb)."""
    limit = policy().documents.max_image_pixels
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Our limit, not Pillow's global one, decides (Pillow still refuses a declared size
            # over twice its own, as DecompressionBombError).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=[image_format]) as image:
                width, height = image.size
                image.verify()
    except Image.DecompressionBombError:
        raise ValueError(
            _("The image declares more than %(limit)d pixels, the most accepted.") % {"limit": limit}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValueError(_("The file is not a readable %(format)s image.") % {"format": image_format}) from None
    finally:
        file.seek(0)
    if width * height > limit:
        raise ValueError(
            _("The image declares %(width)d × %(height)d pixels; the most accepted is %(limit)d pixels.")
            % {"width": width, "height": height, "limit": limit}
        )


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
    check_content(file, content_type=content_type, size=size)
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return content_type, size, digest.hexdigest()
