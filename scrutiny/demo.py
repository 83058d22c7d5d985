"""The demo's scrutiny: an Impact Framework built from the report, the July 2020 multi-agency audit, the
voice of children and practitioners, training confidence scores, and the September 2020 scrutiny event."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from actionplans.models import Action
from agencies.models import Agency, User
from dataset.demo import TRAINING
from dataset.history import record_as
from dataset.models import DatasetSnapshot, HistorySource, Indicator, ReportingPeriod, SnapshotStatus

from .models import (
    AUDIT_QUESTIONS,
    Audit,
    CaseAudit,
    EvidenceItem,
    EvidenceSource,
    Grade,
    Heard,
    ImpactOutcome,
    ScrutinyEvent,
    TrainingSession,
)

S = EvidenceSource
OUTCOMES = (
    (
        "Neglect is recognised early",
        "Practitioners in every agency spot the signs of neglect early and act on them.",
        "Are referrals for neglect made early, and by the right agencies?\n"
        "Do practitioners use the neglect toolkit and the Graded Care Profile 2?",
        [S.DATA, S.AUDIT, S.VOICE_PRACTITIONERS],
        ["N01", "N02", "N08", "N07"],
        ["toolkit", "champion"],
    ),
    (
        "The child's lived experience shapes plans",
        "Plans are built around what daily life is like for the child, in their own words.",
        "Do children know they are on a plan, and what it is for?\n"
        "Is the impact of neglect on the child analysed, not just described?",
        [S.VOICE_CHILDREN, S.AUDIT, S.OBSERVATION],
        ["N35"],
        [],
    ),
    (
        "Plans do not drift",
        "Child in need and child protection plans for neglect make progress and end when the child is safe.",
        "Why are 35.7% of neglect child in need plans open for more than a year?\n"
        "Why have repeat neglect child protection plans risen?",
        [S.DATA, S.AUDIT, S.OBSERVATION],
        ["N18", "N29", "N19"],
        [],
    ),
    (
        "Practitioners are confident",
        "Staff across the partnership are trained and confident to recognise and respond to neglect.",
        "Has training reached the practitioners it was planned for?\nHas confidence risen after training?",
        [S.DATA, S.VOICE_PRACTITIONERS],
        ["N26", "N27", "N33"],
        ["train", "briefing", "questionnaire"],
    ),
)

# The five agencies in the July 2020 multi-agency audit (short names).
AUDITORS = ("CSC", "EH", "EDU", "Police", "SCFT")

VOICE = (
    (
        "Young people's views on their child protection plans",
        S.VOICE_CHILDREN,
        Heard.CHILDREN,
        23,
        "Many young people did not know they were on a plan, or why. Several described the disruption of "
        "changing social workers. Most named school as a safe place.",
        "I didn't know I was on a plan until my teacher told me.\nI've had four social workers. You have to tell "
        "your story again every time.\nSchool is where I feel safe.",
    ),
    (
        "Practitioner session: working with neglect",
        S.VOICE_PRACTITIONERS,
        Heard.PRACTITIONERS,
        41,
        "Practitioners valued the toolkit but found chronologies time-consuming; confidence in challenging "
        "parents rose after the session.",
        "The toolkit gives me the words to say what I'm worried about.\nWe need time to do chronologies properly.",
    ),
    (
        "Observation of a child protection conference",
        S.OBSERVATION,
        Heard.PRACTITIONERS,
        9,
        "The conference heard the child's view through their school; the plan set out what should change for "
        "the child, but health partners sent no report.",
        "",
    ),
)


def _outcomes(analyst: User | None) -> list[ImpactOutcome]:
    made = []
    indicators = {i.code: i for i in Indicator.objects.all()}
    actions = list(Action.objects.all())
    for position, (title, description, questions, sources, codes, words) in enumerate(OUTCOMES):
        outcome, created = ImpactOutcome.objects.get_or_create(
            title=title,
            defaults={
                "description": description,
                "key_questions": questions,
                "expected_sources": [s.value for s in sources],
                "position": position,
            },
        )
        if created:
            outcome.indicators.set([indicators[c] for c in codes if c in indicators])
            outcome.actions.set([a for a in actions if any(w in a.description.lower() for w in words)])
        made.append(outcome)
    return made


def _audit(rng: random.Random, period: ReportingPeriod, analyst: User | None) -> Audit:
    audit, created = Audit.objects.get_or_create(
        title="Multi-agency neglect audit, July 2020",
        defaults={
            "period": period,
            "scope": "20 children on neglect plans, chosen at random from the five agencies taking part: promptness "
            "of identification, use of history, analysis of impact on the child and robustness of actions.",
            "created_by": analyst,
        },
    )
    if not created:
        return audit
    # The agencies that took part audit their own cases: every case belongs to one of them.
    agencies = list(Agency.objects.filter(short_name__in=AUDITORS).order_by("name"))
    audit.auditor_agencies.set(agencies)
    weights = [Grade.OUTSTANDING] * 1 + [Grade.GOOD] * 5 + [Grade.REQUIRES_IMPROVEMENT] * 4 + [Grade.INADEQUATE] * 1
    findings = (
        "History was gathered but not analysed for what it meant for the child.",
        "Neglect recognised promptly by school; toolkit used to evidence the concern.",
        "Actions were about services offered, not about what should change for the child.",
        "Good use of the Graded Care Profile 2; the child's voice was clear in the plan.",
    )
    for n in range(1, 21):
        case = CaseAudit(
            audit=audit,
            case_reference=f"MAA-2020-07-{n:02d}",
            agency=agencies[n % len(agencies)],
            findings=findings[n % len(findings)],
            actions="Share the learning with the agency's neglect champion.",
        )
        for name in AUDIT_QUESTIONS:
            setattr(case, name, rng.choice(weights))
        record_as(case, user=analyst, source=HistorySource.SYSTEM, reason="demo data")
        case.save()
    return audit


@transaction.atomic
def seed_scrutiny(*, today: date) -> dict[str, int]:
    """Idempotent: everything is found by title before it is made."""
    rng = random.Random(2020)  # noqa: S311 - demo grades, not security: a fixed seed makes them repeatable
    analyst = User.objects.filter(username="analyst").first()
    scrutineer = User.objects.filter(username="scrutineer").first()
    q1 = ReportingPeriod.objects.filter(year=2020, quarter=1).first()
    q4 = ReportingPeriod.objects.filter(year=2019, quarter=4).first()
    if q1 is None:
        raise ValueError("The demo quarters do not exist: run dataset.demo.seed_returns first.")
    outcomes = _outcomes(analyst)
    audit = _audit(rng, q1, analyst)
    by_title = {o.title: o for o in outcomes}
    for title, source, heard, count, summary, quotes in VOICE:
        item, created = EvidenceItem.objects.get_or_create(
            title=title,
            defaults={
                "source": source,
                "gathered_on": date(2020, 8, 20),
                "summary": summary,
                "quotes": quotes,
                "heard_count": count,
                "heard_who": heard,
                "created_by": scrutineer,
            },
        )
        if created:
            linked = {
                S.VOICE_CHILDREN: ["The child's lived experience shapes plans"],
                S.VOICE_PRACTITIONERS: ["Neglect is recognised early", "Practitioners are confident"],
                S.OBSERVATION: ["The child's lived experience shapes plans", "Plans do not drift"],
            }[source]
            item.outcomes.set([by_title[t] for t in linked])
    for title, held, _quarter, before, after, respondents in TRAINING:
        TrainingSession.objects.get_or_create(
            title=title,
            defaults={
                "held_on": held,
                "respondents": respondents,
                "mean_before": Decimal(before),
                "mean_after": Decimal(after),
                "scale_max": 10,
            },
        )
    # The event uses a chosen published snapshot (its pack says "data as at" that snapshot's build): the newest
    # published one when the event is made, or when an earlier run left it on none or on an unpublished one.
    snapshot = (
        DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )
    event, created = ScrutinyEvent.objects.get_or_create(
        title="September 2020 scrutiny event",
        defaults={
            "held_on": date(2020, 9, 24),
            "snapshot": snapshot,
            "notes": "Led by the independent scrutineer. Evidence from the July 2020 multi-agency audit, the "
            "dataset for 2020-21 Q1, the voice of children and practitioners, and observation of practice.",
        },
    )
    if created:
        event.outcomes.set(outcomes)
        event.periods.set([p for p in (q4, q1) if p is not None])
    elif snapshot is not None and (event.snapshot is None or event.snapshot.published_at is None):
        event.snapshot = snapshot
        record_as(event, user=scrutineer, source=HistorySource.SYSTEM, reason="demo data: the published snapshot")
        event.save(update_fields=["snapshot"])
    return {"outcomes": len(outcomes), "cases": audit.cases.count(), "event": event.pk}


def seed_pack() -> None:
    """Queue the September 2020 event's evidence pack unless one is already built or on its way. It is
    built once the demo's transaction commits (in-process when no broker is configured)."""
    from scrutiny.packs.requests import pack_request

    from .models import PackStatus

    event = ScrutinyEvent.objects.filter(title="September 2020 scrutiny event").first()
    scrutineer = User.objects.filter(username="scrutineer").first()
    if event is None or scrutineer is None or event.snapshot is None or event.snapshot.published_at is None:
        return
    if event.packs.exclude(status=PackStatus.FAILED).exists():
        return
    pack_request(event=event, acting_user=scrutineer)
