"""Downloads of evidence are written to the access log (issue 15 item 8): who took which pack or attachment."""

from __future__ import annotations

import json

from django.core.files.base import ContentFile
from django.urls import reverse

from scrutiny.models import PackStatus
from tests.scrutiny.conftest import evidence, pdf_upload  # noqa: F401  (fixtures)


def _events(path, kind: str) -> list[dict]:
    return [r for r in map(json.loads, path.read_text().splitlines()) if r["event"] == kind]


def test_a_pack_download_and_its_pdf_are_logged(client, member, pack, access_log_file):
    pack.file.save("pack.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=False)
    pack.pdf.save("pack.pdf", ContentFile(b"%PDF-1.7\n%%EOF"), save=False)
    pack.status = PackStatus.COMPLETE
    pack.save()
    client.force_login(member)
    for name in ("scrutiny:pack_download", "scrutiny:pack_pdf"):
        response = client.get(reverse(name, args=[pack.pk]))
        assert response.status_code == 200
        b"".join(response.streaming_content)
    logged = _events(access_log_file, "pack_download")
    assert [(r["object"], r["object_id"], r["file"], r["user"]) for r in logged] == [
        ("scrutiny.evidencepack", pack.pk, "zip", "member"),
        ("scrutiny.evidencepack", pack.pk, "pdf", "member"),
    ]


def test_an_attachment_download_is_logged(client, member, evidence, access_log_file):  # noqa: F811
    client.force_login(member)
    response = client.get(reverse("scrutiny:evidence_attachment", args=[evidence.pk]))
    assert response.status_code == 200
    logged = _events(access_log_file, "attachment_download")
    assert [(r["object"], r["object_id"], r["user"]) for r in logged] == [
        ("scrutiny.evidenceitem", evidence.pk, "member")
    ]
