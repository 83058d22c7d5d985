"""Generate the bench partnership into its own PostgreSQL database, from scratch, the same every run.

    python -m bench.generate --scale large   # 40 agencies x 150 indicators x 40 quarters + a current quarter
    python -m bench.generate --scale tiny    # 4 x 6 x 8 + a current quarter, for the CI smoke

The issue's figure, 240,900 accepted values, is 40 x 150 x 40 = 240,000 from forty closed quarters, every
return accepted, plus 900 = 6 agencies x 150 indicators accepted so far in the current quarter, which is
mid-collection as in the demo: the other agencies are submitted, drafting or not started, so the return edit page,
the tracker and the chase list have something to show, and the accept measurements have submitted returns to accept.

The concurrency measurement needs 50 leads each with their own draft (one return per agency and quarter), and the
forty agencies have twenty. The rest come from `extra_drafts` agencies that have only a draft for the current
quarter. They are inactive, so that the dataset expects nothing of them: an active agency with no history would
make every one of the forty past quarters partial and change every figure and page the bench measures. Their
leads edit their drafts exactly as any lead does (nothing about editing asks whether the agency is active).

The database is dropped and created again, migrated with Django's own `migrate`, then filled with PostgreSQL COPY
(the ORM's bulk_create is ten times slower at this size). Rows are built from the real models' fields, so a new
field with a default does not break the generator. Returns get history rows (submitted, then accepted) and values
one "created" row each, as the tracker and the history pages read them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import count

import psycopg

from bench import db

PASSWORD = "bench-pass-2020"
SEED = 13


@dataclass(frozen=True)
class Scale:
    agencies: int
    indicators: int
    quarters: int  # closed quarters, every return accepted
    current: tuple[int, int, int]  # in the current quarter: how many agencies accepted, submitted, drafting
    extra_drafts: int  # inactive agencies with only a draft in the current quarter: more leads for the load test


SCALES = {
    "large": Scale(agencies=40, indicators=150, quarters=40, current=(6, 4, 20), extra_drafts=30),
    "tiny": Scale(agencies=5, indicators=6, quarters=8, current=(1, 2, 1), extra_drafts=2),
}


def recreate_database(name: str) -> None:
    with psycopg.connect(db.url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _default(field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.get_internal_type() in {"CharField", "TextField", "SlugField", "EmailField"}:
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value")


def copy_rows(model, rows: Iterable[dict]) -> int:
    """COPY rows (dicts keyed by attname) into model's table; fields not given take the model's defaults."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields]
    defaults: dict[str, object] = {}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                out = []
                for f in fields:
                    if f.attname in row:
                        out.append(row[f.attname])
                    else:
                        if f.attname not in defaults:
                            defaults[f.attname] = _default(f)
                        out.append(defaults[f.attname])
                copy.write_row(out)
                n += 1
    return n


def reset_sequences(models: list) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _aware(day: date, hour: int) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, dtime(hour, 0)))


def quarter_list(scale: Scale, today: date):
    from dataset.catalogue.periods import Quarter

    current = Quarter.containing(today).previous()  # the quarter just ended is the one being collected
    closed: list = []
    q = current
    for _ in range(scale.quarters):
        q = q.previous()
        closed.append(q)
    return list(reversed(closed)), current


UNITS = ("count", "percentage", "percentage", "rate_per_10k", "mean")


def figures(rng: random.Random, unit: str, level: float, ratio: float) -> tuple[str, str, str]:
    """(numerator, denominator, value) as typed."""
    if unit == "count":
        return "", "", str(max(0, round(level)))
    den = max(1, round(level))
    if unit == "percentage":
        return str(min(den, max(0, round(den * ratio)))), str(den), ""
    if unit == "rate_per_10k":
        return str(max(0, round(den * ratio))), str(den), ""
    return str(max(0, round(den * ratio))), str(den), ""  # mean: total / count


EXPLAINED = "Checked with the team: the change this quarter is real."


def explain_submitted() -> None:
    """Give every query the validation raises on a submitted return its commentary, as a lead submitting it
    would have: the accept measurements accept these returns through the real service, which refuses a return
    with unexplained queries. Random figures stray outside an agency's usual range now and then."""
    from dataset.models import Return, ReturnValue
    from dataset.returns import selectors
    from neglect_portal.lifecycle import State

    for ret in Return.objects.filter(status=State.SUBMITTED).select_related("agency", "period"):
        codes = {p.indicator for p in selectors.current_problems(ret).items if p.blocking}
        for model in (ReturnValue, ReturnValue.history.model):
            model.objects.filter(ret_id=ret.pk, indicator__code__in=codes).update(commentary=EXPLAINED)
        left = [p.message for p in selectors.current_problems(ret).items if p.blocking]
        if left:
            raise RuntimeError(f"{ret} cannot be accepted: {left[0]}")


def generate(scale_name: str, name: str) -> dict:
    t0 = time.perf_counter()
    scale = SCALES[scale_name]
    recreate_database(name)
    db.setup(name)
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    t_migrate = time.perf_counter() - t0

    from agencies.models import Agency, Role, Sector, User
    from dataset.catalogue import periods
    from dataset.models import HistorySource, Indicator, ReportingPeriod, Return, ReturnValue
    from neglect_portal.lifecycle import State
    from neglect_portal.strategy import Objective

    rng = random.Random(SEED)  # noqa: S311 - reproducible figures, not secrets
    today = timezone.localdate()
    now = timezone.now()
    closed, current = quarter_list(scale, today)
    sectors = list(Sector)
    objectives = list(Objective)
    with transaction.atomic():
        agencies = Agency.objects.bulk_create(
            Agency(name=f"Bench agency {i:02d}", short_name=f"A{i:02d}", sector=sectors[i % len(sectors)])
            for i in range(1, scale.agencies + 1)
        )
        agencies = list(Agency.objects.order_by("short_name"))
        Agency.objects.bulk_create(
            Agency(
                name=f"Bench draft-only agency {i:02d}",
                short_name=f"D{i:02d}",
                sector=sectors[i % len(sectors)],
                active=False,
            )
            for i in range(1, scale.extra_drafts + 1)
        )
        extras = list(Agency.objects.filter(active=False).order_by("short_name"))
        hashed = make_password(PASSWORD)  # hashed once: PBKDF2 per user would take longer than the data
        people = [
            User(
                username=f"lead.{a.short_name.lower()}",
                first_name="Lead",
                last_name=a.short_name,
                email=f"lead.{a.short_name.lower()}@example.org",
                role=Role.AGENCY_LEAD,
                agency=a,
                password=hashed,
            )
            for a in [*agencies, *extras]
        ]
        people += [
            User(username=r, first_name=r.title(), last_name="Bench", email=f"{r}@example.org", role=r, password=hashed)
            for r in (Role.ANALYST, Role.MEMBER, Role.SCRUTINEER)
        ]
        User.objects.bulk_create(people)
        leads = {u.agency_id: u for u in User.objects.filter(role=Role.AGENCY_LEAD)}
        analyst = User.objects.get(role=Role.ANALYST)

        indicators = []
        for i in range(1, scale.indicators + 1):
            unit = UNITS[i % len(UNITS)]
            polarity = ("higher", "lower", "neither")[i % 3]
            ratio = unit != "count"
            target = red = None
            if polarity == "higher" and unit == "percentage":
                target, red = 70, 50
            elif polarity == "lower" and unit == "percentage":
                target, red = 20, 35
            indicators.append(
                Indicator(
                    code=f"B{i:03d}",
                    title=f"Bench indicator {i:03d}",
                    definition="Generated for the benchmark.",
                    unit=unit,
                    numerator_label="Counted" if ratio else "",
                    denominator_label="Out of" if ratio else "",
                    polarity=polarity,
                    objective=objectives[i % len(objectives)],
                    target=target,
                    red_threshold=red,
                    accumulation="year_to_date" if i % 25 == 0 and unit == "count" else "quarter",
                )
            )
        Indicator.objects.bulk_create(indicators)
        indicators = list(Indicator.objects.order_by("code"))
        through = Indicator.suppliers.through
        through.objects.bulk_create(
            through(indicator_id=ind.pk, agency_id=a.pk) for ind in indicators for a in [*agencies, *extras]
        )

        quarters = [*closed, current]
        made = []
        for q in quarters:
            opens, due, locks = periods.default_dates(q)
            if q == current:
                due, locks = today + timedelta(days=10), today + timedelta(days=40)
            made.append(ReportingPeriod(year=q.year, quarter=q.number, opens_on=opens, due_on=due, locks_on=locks))
        ReportingPeriod.objects.bulk_create(made)
        period_of = {(p.year, p.quarter): p for p in ReportingPeriod.objects.all()}

        # Each (agency, indicator) series walks around its own level and ratio.
        profile = {
            (a.pk, ind.pk): (rng.uniform(20, 2000), rng.uniform(0.05, 0.9)) for a in agencies for ind in indicators
        }
        # The draft-only agencies draw from their own stream, so the forty agencies' figures stay as they were.
        extra_rng = random.Random(SEED + 1)  # noqa: S311
        profile.update(
            {
                (a.pk, ind.pk): (extra_rng.uniform(20, 2000), extra_rng.uniform(0.05, 0.9))
                for a in extras
                for ind in indicators
            }
        )
        accepted_n, submitted_n, drafting_n = scale.current
        return_ids = count(1)
        rv_ids = count(1)
        rets: list[dict] = []
        ret_hist: list[dict] = []
        values: list[dict] = []
        val_hist: list[dict] = []
        hist_ids = count(1)
        vhist_ids = count(1)
        accepted_values = 0
        for qi, q in enumerate(quarters):
            period = period_of[(q.year, q.number)]
            submitted_day = min(period.due_on - timedelta(days=rng.randint(0, 5)), today)
            reviewed_day = min(submitted_day + timedelta(days=3), today)
            for ai, a in enumerate([*agencies, *extras] if q == current else agencies):
                if not a.active:
                    status = State.DRAFT  # a draft-only agency (see the module's docstring)
                elif q != current or ai < accepted_n:
                    status = State.ACCEPTED
                elif ai < accepted_n + submitted_n:
                    status = State.SUBMITTED
                elif ai < accepted_n + submitted_n + drafting_n:
                    status = State.DRAFT
                else:
                    continue  # not started
                lead = leads[a.pk]
                rid = next(return_ids)
                sub_at = _aware(submitted_day, 10) if status != State.DRAFT else None
                rev_at = _aware(reviewed_day, 14) if status == State.ACCEPTED else None
                created = _aware(period.opens_on, 9)
                updated = rev_at or sub_at or now
                row = {
                    "id": rid,
                    "agency_id": a.pk,
                    "period_id": period.pk,
                    "status": status,
                    "version": 2,
                    "revision": 1,
                    "status_reason": "",
                    "created_at": created,
                    "updated_at": updated,
                    "updated_by_id": lead.pk,
                    "submitted_at": sub_at,
                    "submitted_by_id": lead.pk if sub_at else None,
                    "reviewed_at": rev_at,
                    "reviewed_by_id": analyst.pk if rev_at else None,
                }
                rets.append(row)
                steps = [("+", State.DRAFT, created, lead, HistorySource.FORM, "")]
                if sub_at:
                    steps.append(("~", State.SUBMITTED, sub_at, lead, HistorySource.FORM, "submitted"))
                if rev_at:
                    steps.append(("~", State.ACCEPTED, rev_at, analyst, HistorySource.REVIEW, "accepted"))
                for htype, hstatus, when, who, source, reason in steps:
                    ret_hist.append(
                        {
                            **row,
                            "history_id": next(hist_ids),
                            "status": hstatus,
                            "history_date": when,
                            "history_type": htype,
                            "history_user_id": who.pk,
                            "history_change_reason": reason or None,
                            "history_source": source,
                            "updated_at": when,
                        }
                    )
                for ind in indicators:
                    level, ratio = profile[(a.pk, ind.pk)]
                    trend = 1 + 0.004 * qi
                    lv = level * trend * rng.gauss(1, 0.04)
                    rt = min(0.99, ratio * rng.gauss(1, 0.03))
                    num, den, val = figures(rng, ind.unit, lv, rt)
                    missing = rng.random() < 0.005
                    vrow = {
                        "id": next(rv_ids),
                        "ret_id": rid,
                        "indicator_id": ind.pk,
                        "numerator": "" if missing else num,
                        "denominator": "" if missing else den,
                        "value": "" if missing else val,
                        "not_available_reason": "system_change" if missing else "",
                        "expected_on": None,
                        "commentary": "Figures delayed by a system change."
                        if missing
                        else ("Checked with the team." if rng.random() < 0.05 else ""),
                        "changed_in_version": 1,
                    }
                    values.append(vrow)
                    val_hist.append(
                        {
                            **vrow,
                            "history_id": next(vhist_ids),
                            "history_date": created,
                            "history_type": "+",
                            "history_user_id": lead.pk,
                            "history_change_reason": None,
                            "history_source": HistorySource.FORM,
                        }
                    )
                    if status == State.ACCEPTED:
                        accepted_values += 1
        copy_rows(Return, rets)
        copy_rows(Return.history.model, ret_hist)
        copy_rows(ReturnValue, values)
        copy_rows(ReturnValue.history.model, val_hist)
        reset_sequences([Return, Return.history.model, ReturnValue, ReturnValue.history.model])
        explain_submitted()
    with psycopg.connect(db.url(name), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    summary = {
        "scale": scale_name,
        "database": name,
        "agencies": len(agencies),
        "draft_only_agencies": len(extras),
        "drafts": sum(1 for r in rets if r["status"] == State.DRAFT),
        "submitted": sum(1 for r in rets if r["status"] == State.SUBMITTED),
        "indicators": len(indicators),
        "closed_quarters": len(closed),
        "current_quarter": current.label,
        "returns": len(rets),
        "values": len(values),
        "accepted_values": accepted_values,
        "migrate_s": round(t_migrate, 1),
        "total_s": round(time.perf_counter() - t0, 1),
        "password": PASSWORD,
    }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="large")
    parser.add_argument("--database", help="database name (default: neglect_portal_bench[_tiny])")
    args = parser.parse_args(argv)
    name = args.database or db.DEFAULT_NAME[args.scale]
    summary = generate(args.scale, name)
    for key, value in summary.items():
        print(f"{key:>20}: {value:,}" if isinstance(value, int) else f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
