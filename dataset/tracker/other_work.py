"""Other quarterly work the tracker, the chase list and the reminders follow beside the returns.

`dataset` may not import the apps above it, yet an agency owes the partnership more each quarter than its
return (its action-plan report, from `actionplans`). So an app above registers a `WorkKind` here (in its
AppConfig.ready) and the tracker asks every registered kind; dependency inversion, as Django's own admin and
checks registries do. The alternative, composing the tracker, the chase list and the reminder job in the
composition root, would move three dataset features out of dataset, and the scheduled job with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    status: str  # a lifecycle State
    pk: int
    submitted_on: object = None  # date first submitted, if it was


@dataclass(frozen=True)
class WorkKind:
    name: str  # "Action plan report": said in cells, on the chase list and in reminders
    expected: Callable[[list], dict[int, set[int]]]  # periods -> {period id: ids of the agencies that owe one}
    found: Callable[[list[int]], dict[tuple[int, int], Found]]  # (agency id, period id) -> what exists
    detail_url: Callable[[int], str]  # pk -> the page of one
    list_url: Callable[[], str]  # where a lead starts or continues one


_KINDS: dict[str, WorkKind] = {}


def register(kind: WorkKind) -> None:
    """Add (or replace, by name: ready() may run twice in tests) a kind of quarterly work."""
    _KINDS[kind.name] = kind


def kinds() -> Iterable[WorkKind]:
    return list(_KINDS.values())
