"""Counting for the partnership's RAG summary, pure: plain data in, plain data out (no ORM).

A cell is one agency's action updates under one objective in one quarter; it counts Red, Amber, Green and Blue,
says so in words, and says how each colour moved since the quarter before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

RAGS: tuple[str, ...] = ("red", "amber", "green", "blue")
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "blue": "Blue"}
UP, DOWN = "▲", "▼"


@dataclass(frozen=True)
class Rated:
    """One action update, as much of it as counting needs."""

    agency: str
    objective: str
    rag: str


@dataclass(frozen=True)
class Move:
    rag: str
    change: int

    @property
    def symbol(self) -> str:
        return UP if self.change > 0 else DOWN

    @property
    def words(self) -> str:
        return f"{RAG_WORDS[self.rag]} {'up' if self.change > 0 else 'down'} {abs(self.change)}"


@dataclass
class Cell:
    counts: Counter = field(default_factory=Counter)
    before: Counter | None = None  # None: no accepted report the quarter before

    @property
    def total(self) -> int:
        return sum(self.counts[r] for r in RAGS)

    @property
    def words(self) -> str:
        return rag_words(self.counts)

    @property
    def moves(self) -> list[Move]:
        return movement(self.counts, self.before)

    @property
    def movement_words(self) -> str:
        if self.before is None:
            return "not compared (no accepted report last quarter)"
        moves = self.moves
        return ", ".join(m.words for m in moves) if moves else "no change"


def rag_words(counts: Counter) -> str:
    """'1 Red, 2 Amber, 3 Green, 0 Blue'."""
    return ", ".join(f"{counts[r]} {RAG_WORDS[r]}" for r in RAGS)


def count(updates: Iterable[Rated]) -> dict[tuple[str, str], Counter]:
    """{(agency, objective): Counter of RAGs}; updates without a RAG are not counted."""
    grid: dict[tuple[str, str], Counter] = {}
    for u in updates:
        if u.rag in RAGS:
            grid.setdefault((u.agency, u.objective), Counter())[u.rag] += 1
    return grid


def movement(now: Counter, before: Counter | None) -> list[Move]:
    """The colours whose count changed, in RAG order; empty when nothing moved (or nothing to compare)."""
    if before is None:
        return []
    return [Move(r, now[r] - before[r]) for r in RAGS if now[r] != before[r]]


def grid(
    *,
    current: Iterable[Rated],
    previous: Iterable[Rated],
    agencies: Iterable[str],
    objectives: Iterable[str],
    compared: Iterable[str],
) -> dict[str, dict[str, Cell]]:
    """{agency: {objective: Cell}}. `compared` are the agencies that had an accepted report the quarter before:
    their cells compare with it (an empty cell then counts as zeros); the others are not compared."""
    now, before, compared = count(current), count(previous), set(compared)
    objectives = list(objectives)
    return {
        a: {
            o: Cell(now.get((a, o), Counter()), before.get((a, o), Counter()) if a in compared else None)
            for o in objectives
        }
        for a in agencies
    }


def totals(cells: dict[str, dict[str, Cell]], objectives: Iterable[str]) -> dict[str, Cell]:
    """Per objective, the partnership's counts: the sum over agencies (movement among the compared ones)."""
    out = {}
    for o in objectives:
        counts, before, any_compared = Counter(), Counter(), False
        for row in cells.values():
            counts.update(row[o].counts)
            if row[o].before is not None:
                before.update(row[o].before)
                any_compared = True
        out[o] = Cell(counts, before if any_compared else None)
    return out
