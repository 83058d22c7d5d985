"""Existing data for the two changes before it:

- every update of a submitted or accepted report gets the action as it stood when the report was submitted
  (the action's history as of then; its current state if it has no record that old), so what those reports
  show stops following later edits of the plan;
- summaries lose the RAG counts typed at their start ("2020-21 Q1: 0 Red, 1 Amber, 1 Green, 0 Blue. ..."): the
  counts are now worked out from the ratings, and a typed copy could only disagree with them. The narrative
  after the counts is kept as typed; a summary that is only counts becomes empty;
- an objective rated Red or Amber with no recovery step of its own gets the recovery steps its Red or Amber
  actions gave in that report (what the agency wrote then), so nothing shown is invented.
"""

import re

from django.db import migrations

COUNTS = re.compile(
    r"^\s*(?:\d{4}-\d{2} Q[1-4]\s*[:\-–]\s*)?"
    r"\d+ Red,\s*\d+ Amber,\s*\d+ Green(?:,\s*\d+ Blue)?\s*[.;]?\s*",
    re.IGNORECASE,
)
FIELDS = ("objective", "description", "lead_officer", "starts_on", "due_on", "success_measure")


def strip_counts(text: str) -> str:
    return COUNTS.sub("", text or "", count=1).strip()


def forwards(apps, schema_editor):
    ProgressReport = apps.get_model("actionplans", "ProgressReport")
    ActionUpdate = apps.get_model("actionplans", "ActionUpdate")
    HistoricalAction = apps.get_model("actionplans", "HistoricalAction")

    for report in ProgressReport.objects.exclude(summary=""):
        cleaned = strip_counts(report.summary)
        if cleaned != report.summary:
            ProgressReport.objects.filter(pk=report.pk).update(summary=cleaned)

    for report in ProgressReport.objects.all():
        steps = {}
        for objective in ("recognise", "respond", "quantify", "evaluate"):
            if getattr(report, f"rag_{objective}") in ("red", "amber") and not getattr(report, f"recovery_{objective}"):
                texts = (
                    ActionUpdate.objects.filter(report=report, action__objective=objective, rag__in=("red", "amber"))
                    .exclude(recovery="")
                    .values_list("recovery", flat=True)
                )
                if texts:
                    steps[f"recovery_{objective}"] = " ".join(dict.fromkeys(t.strip() for t in texts))
        if steps:
            ProgressReport.objects.filter(pk=report.pk).update(**steps)

    rated = ActionUpdate.objects.filter(report__status__in=("submitted", "accepted"), rated_at__isnull=True)
    changed = []
    for update in rated.select_related("report", "action"):
        when = update.report.submitted_at or update.report.reviewed_at or update.report.updated_at
        old = (
            HistoricalAction.objects.filter(id=update.action_id, history_date__lte=when)
            .order_by("-history_date", "-history_id")
            .first()
        )
        source = old or update.action
        update.rated_at = when
        for name in FIELDS:
            setattr(update, f"rated_{name}", getattr(source, name))
        changed.append(update)
    ActionUpdate.objects.bulk_update(changed, ["rated_at", *(f"rated_{n}" for n in FIELDS)], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("actionplans", "0002_report_recovery_steps_and_rated_actions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
