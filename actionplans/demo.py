"""Demo action plans: each agency's current neglect action plan and four quarters of progress reports
(2019-20 Q2 to 2020-21 Q1), drawn from what the 2020 report says the agencies did.

Plain data (`PLANS`) then `seed_action_plans`, which writes it. Deterministic and safe to run twice: an agency
that already has a current plan keeps it, and an existing report is left alone. Needs the demo agencies, their
leads, the analyst, the indicator catalogue and the demo quarters (`dataset.demo.seed_returns`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agencies.models import Agency, Role, User
from dataset.catalogue.periods import Quarter
from dataset.history import history_attrs
from dataset.models import HistorySource, Indicator, ReportingPeriod
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective

from .models import Action, ActionPlan, ActionStatus, ActionUpdate, ProgressReport

CHANGE_REASON = "demo data"
QUARTERS: tuple[Quarter, ...] = (Quarter(2019, 2), Quarter(2019, 3), Quarter(2019, 4), Quarter(2020, 1))
PLAN_START, PLAN_END = date(2019, 4, 1), date(2021, 3, 31)
DRAFTS = frozenset({"Police", "EDU"})  # their 2020-21 Q1 reports are still being written
R, S, Q, E = Objective.RECOGNISE, Objective.RESPOND, Objective.QUANTIFY, Objective.EVALUATE
WORST_FIRST = ("red", "amber", "green", "blue")


@dataclass(frozen=True)
class DemoAction:
    objective: str
    description: str
    lead: str
    due: date
    success: str
    rags: tuple[str, ...]  # one per quarter in QUARTERS; shorter when it went Blue (complete)
    work: str  # what was done, in the quarters it is on track
    slip: str = ""  # what slipped, when Amber or Red
    recovery: str = ""  # what will bring it back, when Amber or Red
    impact: str = ""  # the evidence, when Blue
    codes: tuple[str, ...] = ()
    starts: date = PLAN_START
    # Per quarter (index into QUARTERS): field -> text, replacing the generated narrative.
    notes: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return ActionStatus.COMPLETE if "blue" in self.rags else ActionStatus.IN_PROGRESS


@dataclass(frozen=True)
class DemoPlan:
    title: str
    director: str
    role: str
    signed_on: date
    actions: tuple[DemoAction, ...]


A = DemoAction
LAUNCH_RECOVERY = (
    "Virtual sessions from 1 June 2020: the launch event is being rebuilt as a 90-minute live online session, "
    "run weekly for the 620 staff who missed out, with a recording and the toolkit quiz for those who cannot attend."
)
PLANS: dict[str, DemoPlan] = {
    "CSC": DemoPlan(
        "Children's Social Care neglect action plan",
        "Annie Carlisle",
        "Director of Children's Social Care",
        date(2019, 5, 14),
        (
            A(
                R,
                "Recruit and train 24 neglect champions across the social care teams.",
                "Principal Social Worker",
                date(2020, 3, 31),
                "A champion in every team, so practitioners have someone to ask about neglect.",
                ("green", "green", "blue"),
                "Champions recruited and trained; monthly champions' forum running",
                impact="24 neglect champions in post, one in every team; the forum has reviewed 31 cases.",
                codes=("N28",),
            ),
            A(
                S,
                "Add the neglect toolkit and the Graded Care Profile 2 to the case recording system (Mosaic).",
                "Head of Practice Systems",
                date(2019, 12, 31),
                "Practitioners use the toolkit in every neglect case, and its use can be counted.",
                ("green", "blue"),
                "Toolkit and GCP2 forms built and tested in Mosaic with practitioners",
                impact="Toolkit live in Mosaic since October 2019; its use is now counted each quarter (N08).",
                codes=("N08", "N07"),
            ),
            A(
                S,
                "Review every neglect child in need plan open more than 12 months at a monthly drift panel.",
                "Head of Safeguarding",
                date(2021, 3, 31),
                "Fewer neglect CIN plans drift beyond 12 months.",
                ("amber", "amber", "red", "amber"),
                "Drift panels held monthly; plans reviewed with team managers",
                "The share of CIN plans open more than 12 months is still rising (35.7%)",
                "Extra panel each month chaired by the Head of Service until the backlog of 150 plans is reviewed.",
                codes=("N18",),
            ),
            A(
                Q,
                "Record neglect (factor 16A) on every assessment where it is present, audited each quarter.",
                "Performance Manager",
                date(2021, 3, 31),
                "The recorded scale of neglect matches practice.",
                ("green", "green", "green", "green"),
                "Quarterly recording audit completed; feedback to teams",
                codes=("N03",),
            ),
            A(
                E,
                "Take part in the partnership's half-yearly multi-agency audit of neglect cases.",
                "Quality Assurance Manager",
                date(2021, 3, 31),
                "We know whether neglect practice is good enough.",
                ("green", "green", "amber", "green"),
                "Cases put forward and auditors released for the audit",
                "The March audit was postponed when staff were redeployed",
                "Audit rescheduled for June 2020 with case discussions held online.",
                codes=("N32",),
            ),
            A(
                R,
                "Neglect training for every social care practitioner, refreshed every two years.",
                "Workforce Development Lead",
                date(2021, 3, 31),
                "Every practitioner trained within two years.",
                ("green", "green", "green", "amber"),
                "Training delivered to new starters and teams due a refresh",
                "Face-to-face courses stopped in March",
                "Course moved to e-learning with a live online discussion from June 2020.",
                codes=("N26",),
            ),
        ),
    ),
    "EH": DemoPlan(
        "Early Help neglect action plan",
        "Rachel Owusu",
        "Head of Early Help",
        date(2019, 5, 21),
        (
            A(
                R,
                "Train the Early Help workforce in neglect and the Graded Care Profile 2 (80% by March 2021).",
                "Early Help Practice Lead",
                date(2021, 3, 31),
                "Practitioners spot neglect and use GCP2 with families.",
                ("green", "green", "green", "amber"),
                "Training delivered across the localities: 64% of the workforce trained",
                "No face-to-face training since March, so the rate has stalled at 64%",
                "E-learning module and virtual GCP2 workshops from June 2020 for the remaining staff.",
                codes=("N26",),
            ),
            A(
                S,
                "Use the Graded Care Profile 2 in every Early Help assessment where neglect is a concern.",
                "Early Help Service Manager",
                date(2021, 3, 31),
                "Every neglect family has a GCP2 to plan from.",
                ("green", "green", "amber", "amber"),
                "GCP2 used in neglect assessments; use monitored monthly",
                "Home visits reduced under Covid-19 guidance, so fewer GCP2s completed",
                "Doorstep and video visits with a shortened GCP2 until home visits resume.",
                codes=("N07",),
            ),
            A(
                S,
                "Agree a step-up and step-down protocol with social care for neglect cases.",
                "Early Help Service Manager",
                date(2019, 12, 31),
                "Neglect cases move between services without gaps.",
                ("green", "blue"),
                "Protocol drafted with social care and consulted on",
                impact="Protocol in use since November 2019; no step-up was delayed beyond 5 days in the audit.",
                codes=("N22",),
            ),
            A(
                Q,
                "Report Early Help neglect assessments monthly to the Early Help board.",
                "Early Help Performance Officer",
                date(2021, 3, 31),
                "The board sees neglect demand each month.",
                ("green", "green", "green", "green"),
                "Monthly report produced and discussed at the board",
                codes=("N04",),
            ),
            A(
                E,
                "Check with families six months after closure whether needs are still met.",
                "Early Help Quality Lead",
                date(2021, 3, 31),
                "Improvements for children last after we close.",
                ("green", "green", "green", "green"),
                "Follow-up calls made to families closed six months earlier",
                codes=("N25",),
            ),
        ),
    ),
    "EDU": DemoPlan(
        "Education neglect action plan",
        "Marcus Bell",
        "Director of Education and Skills",
        date(2019, 6, 3),
        (
            A(
                R,
                "Neglect training for over 200 designated safeguarding leads in schools.",
                "Education Safeguarding Lead",
                date(2020, 3, 31),
                "Every school's DSL knows the toolkit and GCP2.",
                ("green", "green", "blue"),
                "DSL training sessions held in each area",
                impact="214 designated safeguarding leads trained; 91% said they were more confident.",
                codes=("N26",),
            ),
            A(
                S,
                "Follow up the absence of every child on a neglect child protection plan within a day.",
                "Head of Inclusion",
                date(2021, 3, 31),
                "Children on neglect CP plans attend school.",
                ("amber", "amber", "green", "red"),
                "Daily absence follow-up by schools and the inclusion team",
                "Schools closed to most pupils from 23 March; attendance of children on plans is low",
                "Weekly welfare calls for every child on a plan and places offered in hub schools.",
                codes=("N12",),
            ),
            A(
                R,
                "Add the neglect toolkit to the schools' annual safeguarding audit (section 175).",
                "Education Safeguarding Lead",
                date(2021, 3, 31),
                "Schools show how they use the toolkit.",
                ("green", "green", "green", "amber"),
                "Audit questions added and returns analysed",
                "Audit returns delayed by school closures",
                "Deadline moved to September 2020 with a shortened return.",
                codes=("N08",),
            ),
            A(
                S,
                "A school report or attendance at every child protection conference for neglect.",
                "Head of Inclusion",
                date(2021, 3, 31),
                "Conferences hear from the child's school.",
                ("green", "green", "green", "amber"),
                "Schools reminded and attendance tracked",
                "Virtual conferences harder for school staff to join",
                "Written report template sent to all DSLs.",
                codes=("N21",),
            ),
            A(
                E,
                "Ask pupils on plans whether they feel cared for, through the pupil voice survey.",
                "Education Quality Lead",
                date(2021, 3, 31),
                "We hear from children whether things improve.",
                ("green", "green", "amber", "amber"),
                "Survey questions agreed and piloted",
                "Survey paused while schools were closed",
                "Online version to run in the autumn term.",
                codes=("N35",),
            ),
        ),
    ),
    "Police": DemoPlan(
        "Sussex Police neglect action plan",
        "Det Ch Supt Helen Marsh",
        "Head of Public Protection",
        date(2019, 5, 29),
        (
            A(
                R,
                "60-second briefings on neglect for all response and neighbourhood officers.",
                "Public Protection Training Lead",
                date(2019, 12, 31),
                "Officers recognise neglect at the door.",
                ("green", "blue"),
                "Briefings delivered at shift changes across the districts",
                impact="Briefing given to 1,150 officers; neglect-flagged notifications up 12% since.",
                codes=("N26",),
            ),
            A(
                S,
                "Flag neglect on every child concern notification.",
                "Detective Inspector, MASH",
                date(2021, 3, 31),
                "Neglect is visible to partners at the first notification.",
                ("green", "green", "green", "green"),
                "Neglect flag checked in the daily MASH review",
                codes=("N05",),
            ),
            A(
                S,
                "Attend or send a report to every child protection conference for neglect.",
                "Detective Inspector, MASH",
                date(2021, 3, 31),
                "Conferences hear what the police know.",
                ("amber", "green", "green", "amber"),
                "Conference attendance tracked weekly",
                "Staff abstracted to Covid-19 duties",
                "Written reports for every conference until staffing returns.",
                codes=("N21",),
            ),
            A(
                R,
                "A neglect champion in each district.",
                "Public Protection Training Lead",
                date(2021, 3, 31),
                "Officers have someone local to ask.",
                ("green", "green", "green", "green"),
                "Champions in post and meeting quarterly",
                codes=("N28",),
            ),
            A(
                E,
                "Dip-sample neglect notifications each quarter for quality.",
                "Detective Inspector, MASH",
                date(2021, 3, 31),
                "Notifications say what the child's life is like.",
                ("green", "green", "amber", "amber"),
                "Dip sample of 20 notifications each quarter",
                "Dip sample missed in March",
                "Two samples in the next quarter to catch up.",
            ),
        ),
    ),
    "SCFT": DemoPlan(
        "Community health neglect action plan",
        "Dr Fiona Kerr",
        "Chief Nurse",
        date(2019, 6, 11),
        (
            A(
                R,
                "A staff confidence questionnaire before and after neglect training for community health staff.",
                "Named Nurse for Safeguarding Children",
                date(2020, 3, 31),
                "Staff are more confident to recognise and act on neglect.",
                ("green", "green", "blue"),
                "Questionnaire designed and given at every training session",
                impact="Confidence up 1.8 points on average (5-point scale) across 312 staff.",
                codes=("N33",),
            ),
            A(
                S,
                "Follow up every child on a neglect CP plan who is not brought to a health appointment.",
                "Named Nurse for Safeguarding Children",
                date(2021, 3, 31),
                "Fewer children are not brought.",
                ("green", "green", "amber", "red"),
                "Not-brought pathway in use in all clinics",
                "Staff redeployed to Covid-19 wards; follow-ups not always made",
                "Safeguarding team making the follow-up calls until health visitors return in July 2020.",
                codes=("N11",),
            ),
            A(
                S,
                "Health visitors complete a Graded Care Profile 2 for every neglect case.",
                "Head of Health Visiting",
                date(2021, 3, 31),
                "Plans for neglected babies rest on a GCP2.",
                ("green", "green", "green", "red"),
                "GCP2 training and supervision for health visitors",
                "Health visitors redeployed; GCP2 work stopped in April",
                "Priority list of children on plans for GCP2 when staff return; virtual reviews meanwhile.",
                codes=("N07",),
            ),
            A(
                Q,
                "Record dental checks for every child on a neglect CP plan.",
                "Head of School Nursing",
                date(2021, 3, 31),
                "We know which children on plans lack dental care.",
                ("amber", "amber", "green", "red"),
                "Dental check field added to health records",
                "Dental practices closed for routine care",
                "Checks re-booked as practices reopen from June.",
                codes=("N24",),
            ),
            A(
                R,
                "Neglect champions in health visiting and school nursing teams.",
                "Named Nurse for Safeguarding Children",
                date(2021, 3, 31),
                "A champion in every team.",
                ("green", "green", "green", "amber"),
                "Champions recruited in each team",
                "Two champions redeployed",
                "Cover arranged from neighbouring teams.",
                codes=("N28",),
            ),
        ),
    ),
    "SPFT": DemoPlan(
        "Mental health neglect action plan",
        "Dr Omar Haddad",
        "Director of Nursing",
        date(2019, 6, 18),
        (
            A(
                R,
                "Screen every adult patient with children for child safeguarding (Think Family).",
                "Safeguarding Lead",
                date(2021, 3, 31),
                "Children of patients are seen and safe.",
                ("amber", "green", "green", "green"),
                "Think Family screening added to the assessment form",
                "Screening below 80% in two teams",
                "Team-level reports to managers each month.",
                codes=("N10",),
            ),
            A(
                R,
                "Neglect training for adult mental health staff.",
                "Safeguarding Lead",
                date(2021, 3, 31),
                "Staff see the child behind the adult.",
                ("green", "green", "green", "amber"),
                "Training delivered in each locality",
                "Training paused in March",
                "Online module from June 2020.",
                codes=("N26",),
            ),
            A(
                S,
                "Attend child protection conferences for parents in our care.",
                "Safeguarding Lead",
                date(2021, 3, 31),
                "Conferences understand the parent's mental health.",
                ("green", "green", "green", "green"),
                "Attendance tracked and chased",
                codes=("N21",),
            ),
            A(
                E,
                "Audit the quality of Think Family screening.",
                "Clinical Audit Lead",
                date(2020, 3, 31),
                "We know screening leads to action.",
                ("green", "green", "blue"),
                "Audit of 60 records completed",
                impact="Audit found 85% of screens led to the right action; findings shared with teams.",
            ),
        ),
    ),
    "CCG": DemoPlan(
        "Health commissioning neglect action plan",
        "Sarah Lennox",
        "Director of Quality and Nursing",
        date(2019, 7, 2),
        (
            A(
                R,
                "Neglect training session for every GP practice's safeguarding lead.",
                "Designated Nurse",
                date(2020, 3, 31),
                "Every practice has a lead who knows the toolkit.",
                ("green", "green", "amber", "red"),
                "Sessions held at GP safeguarding forums",
                "Only 61 of 98 practices trained; March sessions cancelled",
                "Recorded webinar for the remaining 37 practices, with a completion check by September 2020.",
                codes=("N26",),
            ),
            A(
                S,
                "GP practices flag and follow up children not brought to appointments.",
                "Designated Doctor",
                date(2021, 3, 31),
                "Fewer children on plans miss health care.",
                ("green", "green", "green", "amber"),
                "Not-brought policy shared and audited",
                "Practices moved to remote consultations",
                "Guidance on not-brought for video and phone appointments issued in May.",
                codes=("N11",),
            ),
            A(
                Q,
                "Collect neglect coding data from GP systems.",
                "Business Intelligence Lead",
                date(2021, 3, 31),
                "Primary care's view of neglect is counted.",
                ("amber", "amber", "amber", "amber"),
                "Coding search written and tested in 10 practices",
                "Data sharing agreement not yet signed",
                "Agreement going to the June 2020 information governance meeting.",
            ),
            A(
                E,
                "Include neglect in the safeguarding assurance of commissioned providers.",
                "Designated Nurse",
                date(2021, 3, 31),
                "Providers show how they act on neglect.",
                ("green", "green", "green", "green"),
                "Neglect questions in the assurance framework; returns reviewed",
            ),
        ),
    ),
    "CVS": DemoPlan(
        "Voluntary sector neglect action plan",
        "Joanne Pryce",
        "Chief Executive, Voluntary Action",
        date(2019, 7, 9),
        (
            A(
                R,
                "Neglect awareness sessions for voluntary sector staff and volunteers.",
                "Safeguarding Officer",
                date(2021, 3, 31),
                "Volunteers recognise neglect and know how to refer.",
                ("green", "green", "green", "amber"),
                "Awareness sessions held with member groups",
                "Sessions cancelled in March",
                "Short online sessions from June 2020.",
                codes=("N26",),
            ),
            A(
                S,
                "Parenting programmes for families where neglect is a concern.",
                "Family Services Manager",
                date(2021, 3, 31),
                "Parents meet their children's needs.",
                ("green", "green", "amber", "amber"),
                "Groups run in four areas",
                "Groups stopped under lockdown",
                "One-to-one phone support for enrolled families; groups online from July.",
                codes=("N23",),
            ),
            A(
                R,
                "Adapt the neglect toolkit for voluntary groups.",
                "Safeguarding Officer",
                date(2020, 3, 31),
                "Small groups can use the toolkit.",
                ("green", "green", "blue"),
                "Toolkit adapted and tested",
                impact="Toolkit adopted by 42 groups; 15 referrals made using it.",
                codes=("N08",),
            ),
            A(
                E,
                "Collect families' feedback after parenting programmes.",
                "Family Services Manager",
                date(2021, 3, 31),
                "We know what helps.",
                ("green", "green", "green", "green"),
                "Feedback forms collected at the end of each programme",
            ),
        ),
    ),
    "WSSCP": DemoPlan(
        "Partnership neglect strategy action plan",
        "Lucy Hammond",
        "Independent Chair, Safeguarding Children Partnership",
        date(2019, 4, 30),
        (
            A(
                R,
                "Launch events for the neglect strategy and toolkit for 800 staff across the partnership.",
                "Partnership Training Manager",
                date(2020, 3, 31),
                "800 staff from every agency know the strategy.",
                ("green", "green", "amber", "red"),
                "Launch events held across the county",
                "Covid-19 stopped the events",
                LAUNCH_RECOVERY,
                codes=("N27",),
                notes={
                    2: {
                        "done": "Events held until mid-March, when Covid-19 stopped them: 180 of the planned 800 "
                        "staff attended.",
                        "recovery": "Move the remaining sessions online: virtual sessions from 1 June 2020.",
                        "next_steps": "Build the online session and book staff onto it.",
                    },
                    3: {
                        "done": "No events could be held in April and May; the launch reached 180 of 800 staff.",
                        "next_steps": "Run the virtual sessions weekly from 1 June 2020; report numbers next quarter.",
                    },
                },
            ),
            A(
                R,
                "A multi-agency neglect training programme (GCP2, toolkit, impact chronologies).",
                "Partnership Training Manager",
                date(2021, 3, 31),
                "Practitioners trained against the plan.",
                ("green", "green", "amber", "amber"),
                "Courses run to plan",
                "Courses paused from March",
                "Courses redesigned for online delivery from June 2020.",
                codes=("N27",),
            ),
            A(
                Q,
                "Publish the Partnership Neglect Dataset each quarter.",
                "Partnership Analyst",
                date(2021, 3, 31),
                "The partnership knows the scale of neglect.",
                ("green", "green", "green", "green"),
                "Dataset built and published to the Working Group",
            ),
            A(
                E,
                "A multi-agency audit of neglect cases each half-year.",
                "Partnership Business Manager",
                date(2021, 3, 31),
                "We know whether practice is good enough.",
                ("green", "green", "green", "amber"),
                "Audit held and findings reported",
                "March audit postponed",
                "Audit online in June 2020.",
                codes=("N32",),
            ),
            A(
                S,
                "Refresh the neglect toolkit with practitioners.",
                "Partnership Business Manager",
                date(2019, 12, 31),
                "A toolkit practitioners use.",
                ("green", "blue"),
                "Toolkit refreshed with 40 practitioners",
                impact="Refreshed toolkit published in November 2019; used in 480 cases the next quarter.",
                codes=("N08",),
            ),
            A(
                E,
                "Hear from children on plans whether things have improved.",
                "Partnership Business Manager",
                date(2021, 3, 31),
                "Children's views shape the strategy.",
                ("amber", "amber", "green", "green"),
                "Questions agreed with the children's participation team",
                "Slow to agree the questions",
                "Participation team leading the work from January 2020.",
                codes=("N35",),
            ),
        ),
    ),
}


def _texts(action: DemoAction, i: int, quarter: Quarter) -> dict[str, str]:
    rag = action.rags[i]
    texts = {"rag": rag, "done": f"{action.work}.", "impact": "", "next_steps": "", "recovery": ""}
    if rag in ("red", "amber"):
        texts["done"] = f"{action.work}. {action.slip}."
        texts["recovery"] = action.recovery
        texts["next_steps"] = "Follow the recovery step; report on it next quarter."
    elif rag == "blue":
        texts["done"] = f"{action.work}. Complete in {quarter.label}."
        texts["impact"] = action.impact
    else:
        texts["next_steps"] = "Continue as planned."
    texts.update(action.notes.get(i, {}))
    return texts


def objective_rags(rags_by_objective: dict[str, list[str]]) -> dict[str, str]:
    """The agency's own RAG per objective: its worst action; Green where it has none open."""
    out = {}
    for objective in Objective:
        rags = rags_by_objective.get(objective.value, [])
        out[objective.value] = next((r for r in WORST_FIRST if r in rags), "green")
    return out


def _objective_recovery(rows, objective: str, rag: str) -> str:
    texts = [t.get("recovery", "") for a, t in rows if a.objective == objective and t.get("rag") == rag]
    return next((t for t in texts if t), "Recovery steps are set against the actions under this objective.")


def _when(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _bulk(objs: list, model) -> None:
    if objs:
        bulk_create_with_history(
            objs,
            model,
            default_change_reason=CHANGE_REASON,
            custom_historical_attrs=history_attrs(source=HistorySource.SYSTEM),
        )


# The demo's story is told at the 2020-21 Q1 collection, which the demo keeps open relative to today. Open
# actions due after that point are moved by the same distance, so only the actions the story makes overdue
# (due before July 2020 and not done) are overdue when the demo is used today. The plans' end dates move with
# them, so no action is ever due after its plan ends (the titles name no years for that reason).
STORY_DAY = date(2020, 7, 15)


def _as_of_today(due: date, status: str, today: date) -> date:
    if status in ("complete", "dropped") or due <= STORY_DAY or today <= STORY_DAY:
        return due
    return due + (today - STORY_DAY)


@transaction.atomic
def seed_action_plans(*, today: date) -> dict[str, Any]:
    """Create the demo plans, actions, reports and updates that do not exist yet; return how many of each."""
    agencies = {a.short_name: a for a in Agency.objects.filter(short_name__in=PLANS)}
    periods = {p.as_quarter: p for p in ReportingPeriod.objects.filter(year__in={q.year for q in QUARTERS})}
    missing = [q.label for q in QUARTERS if q not in periods]
    if missing:
        raise ValueError(f"The demo quarters {', '.join(missing)} do not exist: run dataset.demo.seed_returns first.")
    analyst = User.objects.filter(username="analyst").first() or User.objects.filter(role=Role.ANALYST).first()
    leads: dict[int, User] = {}
    for lead in User.objects.filter(role=Role.AGENCY_LEAD, agency__in=agencies.values()).order_by("pk"):
        leads.setdefault(lead.agency_id, lead)
    indicators = {i.code: i for i in Indicator.objects.all()}

    # Plans and their actions, for agencies without a current plan.
    with_plan = set(ActionPlan.objects.filter(is_current=True).values_list("agency__short_name", flat=True))
    new_plans = [
        ActionPlan(
            agency=agencies[short],
            title=spec.title,
            starts_on=PLAN_START,
            # Kept current like its open actions (below), so every action stays due inside its plan's period.
            ends_on=_as_of_today(PLAN_END, ActionStatus.IN_PROGRESS, today),
            signed_off_by=spec.director,
            signed_off_role=spec.role,
            signed_off_on=spec.signed_on,
            is_current=True,
        )
        for short, spec in PLANS.items()
        if short in agencies and short not in with_plan
    ]
    _bulk(new_plans, ActionPlan)
    new_agencies = {p.agency.short_name for p in new_plans}
    plans = {
        p.agency.short_name: p for p in ActionPlan.objects.filter(agency__short_name__in=new_agencies, is_current=True)
    }
    new_actions = [
        Action(
            plan=plans[short],
            objective=a.objective,
            description=a.description,
            lead_officer=a.lead,
            starts_on=a.starts,
            due_on=_as_of_today(a.due, a.status, today),
            success_measure=a.success,
            status=a.status,
        )
        for short in sorted(plans)
        for a in PLANS[short].actions
    ]
    _bulk(new_actions, Action)
    specs = {(short, a.description): a for short in plans for a in PLANS[short].actions}
    actions = list(Action.objects.filter(plan__in=plans.values()).select_related("plan__agency"))
    links = [
        Action.indicators.through(action_id=action.pk, indicator_id=indicators[code].pk)
        for action in actions
        for code in specs[(action.plan.agency.short_name, action.description)].codes
        if code in indicators
    ]
    Action.indicators.through.objects.bulk_create(links)

    # Reports for the new plans: one per quarter, an update per action still open.
    new_reports, pending = [], []
    for short in sorted(plans):
        agency, plan = agencies[short], plans[short]
        lead = leads.get(agency.pk)
        plan_actions = [a for a in actions if a.plan_id == plan.pk]
        for i, quarter in enumerate(QUARTERS):
            period = periods[quarter]
            draft = short in DRAFTS and i == len(QUARTERS) - 1
            rows = []
            for action in plan_actions:
                spec = specs[(short, action.description)]
                if i < len(spec.rags):
                    rows.append((action, _texts(spec, i, quarter)))
            if draft:  # partly filled: the first half of the actions, two objective RAGs
                rows = [(a, t if n < len(rows) // 2 else {}) for n, (a, t) in enumerate(rows)]
            by_objective: dict[str, list[str]] = {}
            for action, texts in rows:
                if texts:
                    by_objective.setdefault(action.objective, []).append(texts["rag"])
            rags = objective_rags(by_objective)
            report = ProgressReport(
                agency=agency,
                period=period,
                plan=plan,
                status=State.DRAFT if draft else State.ACCEPTED,
                # Narrative only: the counts of Red, Amber, Green and Blue are worked out from the ratings.
                summary=(
                    "Covid-19 has slowed face-to-face work; recovery steps are in place."
                    if i == 3
                    else "Most actions are on track."
                ),
                updated_by=lead,
                **{
                    f"rag_{o}": ("" if draft and o in (Objective.QUANTIFY, Objective.EVALUATE) else rag)
                    for o, rag in rags.items()
                },
                # A Red or Amber objective carries its recovery step: its worst action's.
                **{
                    f"recovery_{o}": _objective_recovery(rows, o, rag)
                    for o, rag in rags.items()
                    if rag in ("red", "amber") and not (draft and o in (Objective.QUANTIFY, Objective.EVALUATE))
                },
            )
            if not draft:
                submitted = min(period.due_on - timedelta(days=2), today - timedelta(days=2))
                reviewed = min(period.due_on + timedelta(days=5), today - timedelta(days=1))
                report.submitted_at, report.submitted_by = _when(submitted, 10), lead
                report.reviewed_at, report.reviewed_by = _when(max(reviewed, submitted), 15), analyst
                report.updated_by = analyst
            new_reports.append(report)
            pending.append((agency.pk, period.pk, rows))
    _bulk(new_reports, ProgressReport)
    saved = {(r.agency_id, r.period_id): r for r in ProgressReport.objects.filter(plan__in=plans.values())}
    new_updates = [
        ActionUpdate(report=saved[(agency_id, period_id)], action=action, **texts)
        for agency_id, period_id, rows in pending
        for action, texts in rows
    ]
    for update in new_updates:  # accepted reports keep the actions as rated
        if update.report.shows_as_rated:
            update.freeze(update.action, update.report.submitted_at)
    _bulk(new_updates, ActionUpdate)
    return {
        "plans": len(new_plans),
        "actions": len(new_actions),
        "indicator_links": len(links),
        "reports": len(new_reports),
        "updates": len(new_updates),
    }
