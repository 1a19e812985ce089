"""Attachments are checked by their content, not their name: PDF, PNG or JPEG, size-capped."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
]
MSG_TYPE = "Attach a PDF, PNG or JPEG file (chart notes, lab results); this file is not one."
MSG_SIZE = "The file is larger than {mb} MB."
MSG_EMPTY = "The file is empty."


def sniff(upload) -> str:
    """The content type read from the file's first bytes; raises ValidationError otherwise."""
    if upload.size == 0:
        raise ValidationError(MSG_EMPTY)
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(MSG_SIZE.format(mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024)))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, _ in SIGNATURES:
        if head.startswith(magic):
            return content_type
    raise ValidationError(MSG_TYPE)
