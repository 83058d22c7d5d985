"""Packs built before their files were files: the migration moves each ZIP out of the column into storage, its PDF
beside it, and back again when unapplied. Runs on SQLite and PostgreSQL alike (the suite's database)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("scrutiny", "0001_initial")]
AFTER = [("scrutiny", "0003_remove_evidencepack_content")]


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_packs_move_from_the_column_into_files_and_back(settings):
    old = migrate(BEFORE)
    try:
        user = old.get_model("agencies", "User").objects.create(username="old.scrutineer")
        event = old.get_model("scrutiny", "ScrutinyEvent").objects.create(title="Old event", held_on=date(2020, 9, 24))
        OldPack = old.get_model("scrutiny", "EvidencePack")
        pdf = b"%PDF-1.4 the pack's pdf"
        with_pdf = zip_of({"evidence-pack.pdf": pdf, "manifest.json": b"{}"})
        without_pdf = zip_of({"manifest.json": b"{}"})
        first = OldPack.objects.create(
            event=event, version=1, requested_by=user, status="complete", content=with_pdf, size=1
        )
        second = OldPack.objects.create(
            event=event, version=2, requested_by=user, status="complete", content=without_pdf
        )
        queued = OldPack.objects.create(event=event, version=3, requested_by=user)

        # The model as it was at AFTER: later migrations add columns this schema does not have yet.
        EvidencePack = migrate(AFTER).get_model("scrutiny", "EvidencePack")  # noqa: N806
        media = Path(settings.MEDIA_ROOT)
        moved = EvidencePack.objects.get(pk=first.pk)
        assert moved.file.name == f"packs/event-{event.pk}/evidence-pack-{first.pk}-v1.zip"
        assert (media / moved.file.name).read_bytes() == with_pdf
        assert moved.size == len(with_pdf) and moved.sha256 == hashlib.sha256(with_pdf).hexdigest()
        assert (media / moved.pdf.name).read_bytes() == pdf
        assert moved.pdf_size == len(pdf) and moved.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        no_pdf = EvidencePack.objects.get(pk=second.pk)
        assert (media / no_pdf.file.name).read_bytes() == without_pdf and not no_pdf.pdf
        assert not EvidencePack.objects.get(pk=queued.pk).file

        back = migrate(BEFORE)
        contents = dict(back.get_model("scrutiny", "EvidencePack").objects.values_list("pk", "content"))
        assert bytes(contents[first.pk]) == with_pdf and bytes(contents[second.pk]) == without_pdf
        assert contents[queued.pk] is None
    finally:  # back to the newest schema, for the tests after this one
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("scrutiny"))
