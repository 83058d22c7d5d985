"""The ZIPs are files now (0002): the column that held them goes."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scrutiny", "0002_evidencepack_files")]

    operations = [migrations.RemoveField(model_name="evidencepack", name="content")]
