"""Reads for the completeness tracker, the chase list and the reminder jobs.

Each gathers its data in a fixed number of queries, however many agencies and quarters there are, and hands
the counting to dataset.tracker.completeness.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Trim
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency, Role, User
from dataset.models import RATIO_UNITS, Indicator, Reminder, ReportingPeriod, Return, ReturnValue
from neglect_portal.lifecycle import State

from . import completeness, delivery, other_work

DEFAULT_QUARTERS = 8


# --- who is expected to return what ---------------------------------------------------------------
@dataclass(frozen=True)
class Expected:
    agency: Agency
    indicators: dict[str, bool]  # code -> is a ratio


def supplying_agencies() -> list[Agency]:
    """Active agencies that supply at least one active indicator, by name. One query."""
    return list(Agency.objects.filter(active=True, indicators__active=True).distinct().order_by("name"))


def supplier_links() -> list[tuple[int, int, str, str]]:
    """(agency id, indicator id, code, unit) for every active indicator's suppliers, by code, as plain rows (not
    model instances). Everything value_counts reads besides the values and returns themselves. One query."""
    links = (
        Indicator.suppliers.through.objects.filter(indicator__active=True)
        .order_by("indicator__code", "agency_id")
        .values_list("agency_id", "indicator_id", "indicator__code", "indicator__unit")
    )
    return list(links)


def expected_agencies(*, links: list[tuple[int, int, str, str]] | None = None) -> list[Expected]:
    """Active agencies that supply at least one active indicator, by name, with what they supply. Two queries (one
    when the supplier links are given)."""
    supplied: dict[int, dict[str, bool]] = defaultdict(dict)
    for agency_id, _, code, unit in supplier_links() if links is None else links:
        supplied[agency_id][code] = unit in RATIO_UNITS
    return [Expected(agency, supplied[agency.pk]) for agency in supplying_agencies()]


def current_period(*, today: date | None = None) -> ReportingPeriod | None:
    """The quarter being collected: the latest whose collection has opened."""
    today = today or timezone.localdate()
    return ReportingPeriod.objects.filter(opens_on__lte=today).order_by("-year", "-quarter").first()


def periods_being_collected(*, today: date) -> list[ReportingPeriod]:
    """Quarters that have opened and not yet locked, latest first."""
    return list(ReportingPeriod.objects.filter(opens_on__lte=today, locks_on__gt=today).order_by("-year", "-quarter"))


# --- the completeness tracker ---------------------------------------------------------------------
@dataclass(frozen=True)
class TrackerCell:
    period: ReportingPeriod
    fact: completeness.Cell
    url: str  # the return's page, when there is one this reader may open; else ""


@dataclass(frozen=True)
class TrackerRow:
    agency: Agency
    cells: list[TrackerCell]


@dataclass(frozen=True)
class Tracker:
    periods: list[ReportingPeriod]  # the columns, latest first
    rows: list[TrackerRow]
    totals: list[completeness.Totals]
    today: date

    @property
    def columns(self) -> list[tuple[ReportingPeriod, completeness.Totals]]:
        return list(zip(self.periods, self.totals, strict=True))


def tracker_periods(*, user: User) -> list[ReportingPeriod]:
    """Every quarter, latest first: the choices of the tracker's range. Only partnership readers have a tracker."""
    if not access.can_read_all(user):
        raise Http404("No such page.")
    return list(ReportingPeriod.objects.order_by("-year", "-quarter"))


def select_range(
    periods: list[ReportingPeriod], *, start: str | None, end: str | None, today: date
) -> list[ReportingPeriod]:
    """The quarters from `start` to `end` (labels, either order), latest first. Without an end: the latest quarter
    that has opened; without a start: DEFAULT_QUARTERS quarters up to the end."""
    by_label = {p.label: p for p in periods}
    opened = [p for p in periods if p.opens_on <= today]
    last = by_label.get(end or "") or (opened[0] if opened else (periods[0] if periods else None))
    if last is None:
        return []
    first = by_label.get(start or "")
    if first is None:
        older = [p for p in periods if p.as_quarter <= last.as_quarter]
        first = older[min(DEFAULT_QUARTERS, len(older)) - 1]
    low, high = sorted((first.as_quarter, last.as_quarter))
    return [p for p in periods if low <= p.as_quarter <= high]


def _first_submissions(period_ids: list[int]) -> dict[int, date]:
    """Return id -> local date it was first submitted, from its history (submitted_at moves on resubmission)."""
    rows = (
        Return.history.filter(period_id__in=period_ids, status=State.SUBMITTED)
        .order_by()
        .values("id")
        .annotate(first=Min("history_date"))
    )
    return {row["id"]: timezone.localdate(row["first"]) for row in rows}


def value_counts(*, period_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Return id -> (present, not available) among the values its agency is expected to supply, counted by the
    database as completeness.value_state decides each one (a reason wins; a ratio needs both figures; blank is
    missing): one row a return instead of one a value. Stored figures are stripped when saved; Trim strips the
    spaces of any that were not."""
    ratio = Q(indicator__unit__in=RATIO_UNITS)
    rows = (
        ReturnValue.objects.filter(
            ret__period_id__in=period_ids, indicator__active=True, indicator__suppliers=F("ret__agency_id")
        )
        .annotate(reason=Trim("not_available_reason"), n=Trim("numerator"), d=Trim("denominator"), v=Trim("value"))
        .values("ret_id")
        .annotate(
            not_available=Count("pk", filter=~Q(reason="")),
            present=Count("pk", filter=Q(reason="") & ((ratio & ~Q(n="") & ~Q(d="")) | (~ratio & ~Q(v="")))),
        )
        .order_by()
        .values_list("ret_id", "present", "not_available")
    )
    return {ret_id: (present, not_available) for ret_id, present, not_available in rows}


# Each quarter's counts are kept in the cache under a key made of everything they are counted from besides the
# values themselves: the quarter's returns, each by id, version and last update (every writer of a return's values
# bumps its version and saves it, as the refusal of stale saves already relies on; ids are never reused), and the
# supplier links (who is expected to supply which active indicator, ratio or not). A change to any of them is a
# new key, so a count is never served for figures it was not made from; old keys just expire.
COUNTS_SECONDS = 24 * 60 * 60


def links_key(links: list[tuple[int, int, str, str]]) -> str:
    """What value_counts depends on in the catalogue: every supplier link of an active indicator with its unit (and
    code, which only makes a rename a new key), in supplier_links()'s order, which is total. Pickled rather than
    repr'd, in a fraction of the time for ten thousand links: equal bytes only ever for equal rows (they unpickle
    to them), so a key never matches other links."""
    return hashlib.sha256(pickle.dumps(links, protocol=5)).hexdigest()


def _counts_key(period_id: int, returns: list[dict], links: str) -> str:
    made = sorted((r["id"], r["version"], r["updated_at"].timestamp()) for r in returns)
    return "tracker-counts:" + hashlib.sha256(repr((period_id, links, made)).encode()).hexdigest()


def cached_value_counts(*, returns: list[dict], links: str) -> dict[int, tuple[int, int]]:
    """value_counts for these returns (rows with id, period_id, version and updated_at), from the cache
    for each quarter whose returns and links are as they were when counted; the others counted now, in one
    query. `links` is links_key of the current supplier links."""
    by_period: dict[int, list[dict]] = defaultdict(list)
    for r in returns:
        by_period[r["period_id"]].append(r)
    keys = {period_id: _counts_key(period_id, rows, links) for period_id, rows in by_period.items()}
    found = cache.get_many(list(keys.values()))
    missed = [period_id for period_id, key in keys.items() if key not in found]
    out: dict[int, tuple[int, int]] = {}
    for counted in found.values():
        out.update(counted)
    if missed:
        fresh = value_counts(period_ids=missed)
        cache.set_many(
            {
                keys[period_id]: {r["id"]: fresh[r["id"]] for r in by_period[period_id] if r["id"] in fresh}
                for period_id in missed
            },
            COUNTS_SECONDS,
        )
        out.update(fresh)
    return out


def return_facts(
    *, period_ids: list[int], links: list[tuple[int, int, str, str]] | None = None
) -> dict[tuple[int, int], tuple[int, completeness.ReturnFacts]]:
    """(agency id, period id) -> (return id, its facts, with its values counted), in three queries. Given the
    supplier links (supplier_links()), the counts come from the cache where they are still true (see
    cached_value_counts), and the third query is made only for the quarters that changed."""
    if not period_ids:
        return {}
    returns = list(
        Return.objects.filter(period_id__in=period_ids).values(
            "id", "agency_id", "period_id", "status", "submitted_at", "version", "updated_at"
        )
    )
    first = _first_submissions(period_ids)
    if links is None:
        counted = value_counts(period_ids=period_ids)
    else:
        counted = cached_value_counts(returns=returns, links=links_key(links))
    out = {}
    for r in returns:
        # Returns made before history was kept fall back on their (latest) submission time.
        submitted = first.get(r["id"]) or (timezone.localdate(r["submitted_at"]) if r["submitted_at"] else None)
        out[(r["agency_id"], r["period_id"])] = (
            r["id"],
            completeness.ReturnFacts(
                status=r["status"], first_submitted_on=submitted, counted=counted.get(r["id"], (0, 0))
            ),
        )
    return out


_PK = 2_147_483_647  # a number found nowhere else in the reversed URL, where each return's pk goes


def _url_of(name: str):
    """pk -> reverse(name, args=[pk]), reversing once: the tracker links up to a few hundred returns."""
    before, after = reverse(name, args=[_PK]).split(str(_PK))
    return lambda pk: f"{before}{pk}{after}"


def tracker(*, user: User, periods: list[ReportingPeriod], today: date | None = None) -> Tracker:
    """The grid for `periods` (latest first). Members and the scrutineer may open accepted returns only, as on the
    returns list; the analyst any."""
    if not access.can_read_all(user):
        raise Http404("No such page.")
    today = today or timezone.localdate()
    links = supplier_links()
    expected = expected_agencies(links=links)
    found = return_facts(period_ids=[p.pk for p in periods], links=links)
    grid = completeness.grid(
        agencies=[completeness.AgencyFacts(e.agency.pk, e.agency.name, e.indicators) for e in expected],
        quarters=[completeness.QuarterFacts(p.pk, p.label, p.due_on) for p in periods],
        returns={key: facts for key, (_, facts) in found.items()},
        today=today,
    )
    may_open_any = access.can_manage(user)
    return_url = _url_of("dataset:return_detail")
    rows = []
    for item, row in zip(expected, grid.rows, strict=True):
        cells = []
        for period, fact in zip(periods, row.cells, strict=True):
            ret_id = found.get((item.agency.pk, period.pk), (None, None))[0]
            readable = ret_id is not None and (may_open_any or fact.status == State.ACCEPTED)
            url = return_url(ret_id) if readable else ""
            cells.append(TrackerCell(period=period, fact=fact, url=url))
        rows.append(TrackerRow(agency=item.agency, cells=cells))
    return Tracker(periods=periods, rows=rows, totals=grid.totals, today=today)


# --- who has not submitted yet: the chase list, the reminders and the digest ---------------------------
@dataclass(frozen=True)
class Pending:
    """Other quarterly work (other_work) an agency has not submitted."""

    name: str  # "Action plan report"
    status: str  # a lifecycle State, or completeness.NOT_STARTED
    url: str  # where its lead starts or continues it

    @property
    def status_words(self) -> str:
        return completeness.status_words(self.status)


def pending_work(*, periods: list[ReportingPeriod]) -> dict[tuple[int, int], list[Pending]]:
    """{(agency id, period id): [other work not in]} over every registered kind; two queries a kind."""
    out: dict[tuple[int, int], list[Pending]] = defaultdict(list)
    period_ids = [p.pk for p in periods]
    for kind in other_work.kinds():
        expected, found, url = kind.expected(periods), kind.found(period_ids), kind.list_url()
        for period_id in period_ids:
            for agency_id in expected.get(period_id, ()):
                item = found.get((agency_id, period_id))
                status = item.status if item else completeness.NOT_STARTED
                if status not in completeness.IN:
                    out[(agency_id, period_id)].append(Pending(kind.name, status, url))
    return out


@dataclass(frozen=True)
class Outstanding:
    agency: Agency
    period: ReportingPeriod
    status: str  # a lifecycle State, or completeness.NOT_STARTED
    leads: list[User]  # active leads, by name
    last_reminder: Reminder | None  # the latest the mail server took for this agency and quarter, any kind
    today: date
    pending: tuple[Pending, ...] = ()  # other quarterly work not yet in (the action-plan report)
    return_expected: bool = True  # False: the agency supplies no indicator, only the other work
    unsent_reminder: Reminder | None = None  # a later one the mail server has not taken (yet), if any

    @property
    def return_outstanding(self) -> bool:
        return self.return_expected and self.status not in completeness.IN

    @property
    def status_words(self) -> str:
        return completeness.status_words(self.status)

    @property
    def due_words(self) -> str:
        return completeness.due_in_words(self.period.due_on, self.today)

    @property
    def overdue(self) -> bool:
        return self.today > self.period.due_on

    @property
    def css(self) -> str:
        """The `.status-*` class: overdue outranks the state it is in (which is always said in words too)."""
        return completeness.OVERDUE if self.overdue else self.status

    @property
    def emails(self) -> list[str]:
        return [lead.email for lead in self.leads if lead.email]

    @property
    def last_reminded_at(self):
        return self.last_reminder.sent_at if self.last_reminder else None

    @property
    def delivery_note(self) -> str:
        """Why the latest reminder has not gone, and when it will be tried again; "" when it went."""
        return delivery.delivery_words(self.unsent_reminder, timezone.now()) if self.unsent_reminder else ""


def lead_lists(*, agency_ids: list[int]) -> dict[int, list[User]]:
    """Each agency's active leads, by name. One query."""
    leads: dict[int, list[User]] = defaultdict(list)
    people = User.objects.filter(role=Role.AGENCY_LEAD, is_active=True, agency_id__in=agency_ids)
    for person in people.order_by("last_name", "first_name", "username"):
        leads[person.agency_id].append(person)
    return leads


def _latest_reminders(period_ids: list[int]) -> tuple[dict[tuple[int, int], Reminder], dict[tuple[int, int], Reminder]]:
    """Per (agency, quarter): the latest reminder the mail server took, and a later one it has not (yet), leaving out
    those closed as not needed. One query: a quarter has a few reminders per agency, not many."""
    latest: dict[tuple[int, int], Reminder] = {}
    unsent: dict[tuple[int, int], Reminder] = {}
    for reminder in Reminder.objects.filter(period_id__in=period_ids, agency__isnull=False).order_by("pk"):
        key = (reminder.agency_id, reminder.period_id)
        if reminder.sent_at is not None:
            latest[key] = reminder
            unsent.pop(key, None)
        elif not delivery.not_needed(reminder):
            unsent[key] = reminder
    return latest, unsent


def outstanding(*, periods: list[ReportingPeriod], today: date) -> list[Outstanding]:
    """Expected agencies that have not submitted (no return, draft, returned or reopened) for each quarter in
    `periods`, in the quarters' order and then by agency name. Five queries whatever the size."""
    if not periods:
        return []
    suppliers = supplying_agencies()
    period_ids = [p.pk for p in periods]
    pending = pending_work(periods=periods)
    supplier_ids = {a.pk for a in suppliers}
    others = {agency_id for agency_id, _ in pending} - supplier_ids
    expected = sorted([*suppliers, *Agency.objects.filter(pk__in=others)], key=lambda a: a.name)
    statuses = {
        (r["agency_id"], r["period_id"]): r["status"]
        for r in Return.objects.filter(period_id__in=period_ids).values("agency_id", "period_id", "status")
    }
    leads = lead_lists(agency_ids=[agency.pk for agency in expected])
    latest, unsent = _latest_reminders(period_ids)
    out = []
    for period in periods:
        for agency in expected:
            key = (agency.pk, period.pk)
            status = statuses.get(key, completeness.NOT_STARTED)
            item = Outstanding(
                agency,
                period,
                status,
                leads.get(agency.pk, []),
                latest.get(key),
                today,
                pending=tuple(pending.get(key, ())),
                return_expected=agency.pk in supplier_ids,
                unsent_reminder=unsent.get(key),
            )
            if item.return_outstanding or item.pending:
                out.append(item)
    return out


# --- the other quarterly work on the tracker ------------------------------------------------------------
@dataclass(frozen=True)
class WorkCell:
    period: ReportingPeriod
    status: str  # a lifecycle State, or completeness.NOT_STARTED
    overdue: bool
    url: str  # "" when this reader may not open it

    @property
    def words(self) -> str:
        words = completeness.status_words(self.status)
        return f"Overdue ({words.lower()})" if self.overdue else words

    @property
    def css(self) -> str:
        return completeness.OVERDUE if self.overdue else self.status


@dataclass(frozen=True)
class WorkGrid:
    name: str
    rows: list[tuple[Agency, list[WorkCell | None]]]


def other_work_grids(*, user: User, periods: list[ReportingPeriod], today: date | None = None) -> list[WorkGrid]:
    """Per registered kind of other quarterly work, its status for each expected agency and quarter, as for the
    returns: members and the scrutineer may open accepted ones only, the analyst any."""
    if not access.can_read_all(user):
        raise Http404("No such page.")
    today = today or timezone.localdate()
    may_open_any = access.can_manage(user)
    period_ids = [p.pk for p in periods]
    grids = []
    for kind in other_work.kinds():
        expected, found = kind.expected(periods), kind.found(period_ids)
        owing = set().union(*expected.values()) if expected else set()
        rows = []
        for agency in Agency.objects.filter(pk__in=owing).order_by("name"):
            cells = []
            for period in periods:
                item = found.get((agency.pk, period.pk))
                if item is None and agency.pk not in expected.get(period.pk, ()):
                    cells.append(None)  # no plan covered that quarter: nothing was owed
                    continue
                status = item.status if item else completeness.NOT_STARTED
                readable = item is not None and (may_open_any or status == State.ACCEPTED)
                overdue = status not in completeness.IN and today > period.due_on
                cells.append(WorkCell(period, status, overdue, kind.detail_url(item.pk) if readable else ""))
            rows.append((agency, cells))
        if rows:  # nobody owed any: no table
            grids.append(WorkGrid(kind.name, rows))
    return grids


@dataclass(frozen=True)
class ChaseList:
    period: ReportingPeriod | None
    rows: list[Outstanding]
    today: date


def chase_list(*, user: User, today: date | None = None) -> ChaseList:
    """The current quarter's agencies that have not submitted. The partnership analyst's page; 404 for others."""
    if not access.can_manage(user):
        raise Http404("No such page.")
    today = today or timezone.localdate()
    period = current_period(today=today)
    return ChaseList(period=period, rows=outstanding(periods=[period] if period else [], today=today), today=today)


def agency_for_chase(*, user: User, pk: int) -> Agency:
    if not access.can_manage(user):
        raise Http404("No such page.")
    return get_object_or_404(Agency, pk=pk)


def analyst_addresses() -> list[str]:
    people = (
        User.objects.filter(role=Role.ANALYST, is_active=True)
        .exclude(email="")
        .order_by("last_name", "first_name", "username")
    )
    return list(people.values_list("email", flat=True))
