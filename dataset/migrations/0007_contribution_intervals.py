"""Contributions (and each indicator's results text, new here) are valid over an interval of builds instead of copied into every snapshot.

Each existing snapshot's rows become valid for that snapshot alone (from its key to the next), except the
newest complete snapshot's, which stay open: the next build compares its figures with them and writes only
what changed. Plain UPDATEs with column arithmetic, so it reads the same on SQLite and PostgreSQL.
"""

from django.db import migrations, models
from django.db.models import F


def to_intervals(apps, schema_editor):
    Contribution = apps.get_model("dataset", "DatasetContribution")
    Snapshot = apps.get_model("dataset", "DatasetSnapshot")
    Contribution.objects.update(valid_from=F("snapshot_id"), valid_until=F("snapshot_id") + 1)
    newest = Snapshot.objects.filter(status="complete").order_by("-pk").values_list("pk", flat=True).first()
    if newest is not None:
        Contribution.objects.filter(snapshot_id=newest).update(valid_until=None)


def back(apps, schema_editor):
    """Going back re-adds the snapshot column as required, which only an empty table allows (tests do it):
    shared rows cannot be copied out again into each snapshot here."""


class Migration(migrations.Migration):
    dependencies = [
        ("dataset", "0006_reading_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="datasetcontribution", name="contrib_snapshot_code_quarter"),
        migrations.RemoveIndex(model_name="datasetcontribution", name="contrib_snap_quarter_agency"),
        migrations.AddField(
            model_name="datasetcontribution",
            name="valid_from",
            field=models.IntegerField(null=True),
        ),
        migrations.AddField(
            model_name="datasetcontribution",
            name="valid_until",
            field=models.IntegerField(
                blank=True, null=True, help_text="The snapshot that replaced or removed it; empty while it still holds."
            ),
        ),
        migrations.RunPython(to_intervals, back, elidable=False),
        migrations.RemoveField(model_name="datasetcontribution", name="snapshot"),
        migrations.AlterField(
            model_name="datasetcontribution",
            name="valid_from",
            field=models.IntegerField(help_text="The snapshot (build sequence) this figure first appeared in."),
        ),
        migrations.AddIndex(
            model_name="datasetcontribution",
            index=models.Index(
                fields=["code", "quarter", "agency", "valid_from", "valid_until"], name="contrib_code_quarter_agency"
            ),
        ),
        migrations.AddIndex(
            model_name="datasetcontribution",
            index=models.Index(
                fields=["quarter", "agency", "valid_from", "valid_until"], name="contrib_quarter_agency"
            ),
        ),
        migrations.CreateModel(
            name="DatasetCodeText",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=10)),
                ("valid_from", models.IntegerField()),
                ("valid_until", models.IntegerField(blank=True, null=True)),
                ("values_text", models.TextField(help_text='The "code|quarter": value members of the values object.')),
                ("comparisons_text", models.TextField(help_text="The same for the comparisons.")),
                ("spc_text", models.TextField(help_text='The "code": reading member of the SPC object.')),
            ],
            options={
                "ordering": ["code"],
                "indexes": [models.Index(fields=["valid_until", "code"], name="codetext_open")],
            },
        ),
    ]
