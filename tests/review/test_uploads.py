"""Attachments are checked by content and size, stored outside the static files, downloaded as attachments."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kineret_pa.accounts.roles import PRESCRIBER
from kineret_pa.pa_requests.models import Attachment, RequestEvent
from kineret_pa.pa_requests.uploads import MSG_EMPTY, MSG_SIZE, MSG_TYPE
from tests.admin.forms import login
from tests.conftest import _user

from .support import pended

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def pa(policy_data, prescriber):
    return pended(prescriber)


def _attach(client, pa, name, content, description="chart notes"):
    return client.post(
        reverse("pa-request-attach", args=[pa.pk]),
        {"file": SimpleUploadedFile(name, content), "description": description},
        follow=True,
    )


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _stored_files(root: Path):
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("labs.pdf", PDF, "application/pdf"),
        ("xray.png", _png(), "image/png"),
        ("rash.jpg", JPEG, "image/jpeg"),
        ("scan-without-extension", PDF, "application/pdf"),  # the content decides, not the name
        ("photo.pdf", _png(), "image/png"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_with_the_sniffed_type(
    client, prescriber, pa, media_root, name, content, content_type
):
    login(client, prescriber)
    response = _attach(client, pa, name, content)
    assert "Document attached." in _messages(response)
    attachment = Attachment.objects.get(pa_request=pa)
    assert attachment.content_type == content_type
    assert (attachment.original_name, attachment.size, attachment.uploaded_by) == (name, len(content), prescriber)
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == content
    assert stored.is_relative_to(media_root)
    assert stored.name != name and "." not in stored.name  # a random name: the original never reaches the disk
    event = RequestEvent.objects.get(pa_request=pa, kind="attachment_added")
    assert event.data["name"] == name and event.actor == prescriber


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.pdf", b"These are my chart notes, typed as plain text.\n", MSG_TYPE),
        ("page.html", b"<!doctype html><html><body><script>alert(1)</script></body></html>", MSG_TYPE),
        ("page.pdf", b"<html><body>not a pdf</body></html>", MSG_TYPE),
        ("labs.pdf", b"  %PDF-1.4 with leading spaces", MSG_TYPE),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', MSG_TYPE),
    ],
)
def test_other_content_is_refused_and_nothing_is_stored(client, prescriber, pa, media_root, name, content, message):
    login(client, prescriber)
    response = _attach(client, pa, name, content)
    assert message in _messages(response)
    assert not Attachment.objects.filter(pa_request=pa).exists()
    assert not RequestEvent.objects.filter(pa_request=pa, kind="attachment_added").exists()
    assert _stored_files(media_root) == []


def test_an_empty_file_is_refused(client, prescriber, pa, media_root):
    login(client, prescriber)
    response = _attach(client, pa, "empty.pdf", b"")
    shown = " ".join(_messages(response))
    assert MSG_EMPTY in shown or "The submitted file is empty." in shown
    assert not Attachment.objects.exists() and _stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(client, settings, prescriber, pa, media_root):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    login(client, prescriber)
    response = _attach(client, pa, "big.pdf", PDF + b"0" * (2 * 1024 * 1024))
    assert MSG_SIZE.format(mb=2) in _messages(response)
    assert not Attachment.objects.exists() and _stored_files(media_root) == []
    response = _attach(client, pa, "small.pdf", PDF)
    assert "Document attached." in _messages(response)


def test_a_file_exactly_at_the_limit_is_accepted(client, settings, prescriber, pa):
    settings.UPLOAD_MAX_BYTES = 1024
    login(client, prescriber)
    response = _attach(client, pa, "edge.pdf", PDF + b"0" * (1024 - len(PDF)))
    assert "Document attached." in _messages(response)


def test_a_draft_cannot_take_attachments(client, prescriber, policy_data, media_root):
    from kineret_pa.pa_requests.services import pa_request_create

    draft = pa_request_create(owner=prescriber)
    login(client, prescriber)
    response = client.post(reverse("pa-request-attach", args=[draft.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 302
    assert not Attachment.objects.exists() and _stored_files(media_root) == []


def test_uploads_live_under_media_root_outside_the_static_files():
    media = Path(django_settings.MEDIA_ROOT).resolve()
    for static in [django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS]:
        static = Path(static).resolve()
        assert not media.is_relative_to(static) and not static.is_relative_to(media)
    assert not django_settings.MEDIA_URL or django_settings.MEDIA_URL != django_settings.STATIC_URL


# ---------------------------------------------------------------- download


@pytest.fixture
def attached(client, prescriber, pa):
    login(client, prescriber)
    _attach(client, pa, "labs <b>.pdf", PDF)
    client.logout()
    return Attachment.objects.get(pa_request=pa)


def _download(client, attachment):
    return client.get(reverse("attachment-download", args=[attachment.pk]))


def test_the_owner_downloads_as_an_attachment_with_the_sniffed_type(client, prescriber, attached):
    login(client, prescriber)
    response = _download(client, attached)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF


def test_a_reviewer_downloads_it_too(client, reviewer, attached):
    login(client, reviewer)
    response = _download(client, attached)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")


def test_a_png_named_pdf_downloads_as_a_png(client, prescriber, pa):
    login(client, prescriber)
    _attach(client, pa, "photo.pdf", _png())
    response = _download(client, Attachment.objects.get(pa_request=pa))
    assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("who", ["colleague", "policy_staff", "another_prescriber"])
def test_nobody_else_downloads_it(client, django_user_model, colleague, policy_staff, attached, who):
    user = {"colleague": colleague, "policy_staff": policy_staff}.get(who) or _user(
        django_user_model, "dr_third", PRESCRIBER
    )
    login(client, user)
    assert _download(client, attached).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, attached):
    response = _download(client, attached)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
