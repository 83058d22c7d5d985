"""Evidence packs' ZIPs move out of the database into files in the default storage (packs/event-<id>/), each with its
PDF beside it, the row keeping names, sizes and SHA-256s. The column goes in 0003, in its own transaction: on
PostgreSQL a table cannot be altered in the transaction that has just updated its rows."""

from __future__ import annotations

import hashlib
import io
import zipfile

from django.core.files.base import ContentFile
from django.db import migrations, models

import scrutiny.models

PDF_NAME = "evidence-pack.pdf"  # as scrutiny.packs.files names it; copied so this migration never changes


def _name(event_id: int, pk: int, version: int, extension: str) -> str:
    return f"packs/event-{event_id}/evidence-pack-{pk}-v{version}.{extension}"


def content_to_files(apps, schema_editor) -> None:
    """One pack at a time, so only one ZIP is in memory whatever the number of packs."""
    EvidencePack = apps.get_model("scrutiny", "EvidencePack")
    storage = EvidencePack._meta.get_field("file").storage
    packs = EvidencePack.objects.using(schema_editor.connection.alias)
    todo = list(packs.filter(content__isnull=False).values_list("pk", "event_id", "version"))
    for pk, event_id, version in todo:
        content = bytes(packs.values_list("content", flat=True).get(pk=pk))
        fields = {
            "file": storage.save(_name(event_id, pk, version, "zip"), ContentFile(content)),
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                pdf = archive.read(PDF_NAME)
        except (KeyError, zipfile.BadZipFile):
            pdf = None
        if pdf is not None:
            fields["pdf"] = storage.save(_name(event_id, pk, version, "pdf"), ContentFile(pdf))
            fields["pdf_size"] = len(pdf)
            fields["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
        packs.filter(pk=pk).update(**fields)


def files_to_content(apps, schema_editor) -> None:
    """Back again: each ZIP into the column (the files stay, in case the way forward is taken again)."""
    EvidencePack = apps.get_model("scrutiny", "EvidencePack")
    storage = EvidencePack._meta.get_field("file").storage
    packs = EvidencePack.objects.using(schema_editor.connection.alias)
    for pk, name in packs.exclude(file="").values_list("pk", "file"):
        with storage.open(name, "rb") as handle:
            packs.filter(pk=pk).update(content=handle.read())


class Migration(migrations.Migration):
    dependencies = [("scrutiny", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="evidencepack",
            name="file",
            field=models.FileField(
                blank=True, help_text="The ZIP.", max_length=200, upload_to=scrutiny.models.pack_file_name
            ),
        ),
        migrations.AddField(
            model_name="evidencepack",
            name="pdf",
            field=models.FileField(
                blank=True,
                help_text="The ZIP's PDF, to download on its own.",
                max_length=200,
                upload_to=scrutiny.models.pack_file_name,
            ),
        ),
        migrations.AddField(
            model_name="evidencepack",
            name="pdf_sha256",
            field=models.CharField(blank=True, help_text="The PDF's SHA-256, as the manifest lists it.", max_length=64),
        ),
        migrations.AddField(
            model_name="evidencepack",
            name="pdf_size",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="evidencepack",
            name="sha256",
            field=models.CharField(blank=True, help_text="The ZIP's SHA-256.", max_length=64),
        ),
        migrations.RunPython(content_to_files, files_to_content),
    ]
