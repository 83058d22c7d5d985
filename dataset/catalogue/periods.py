"""UK financial-year quarters, pure: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar, written `2020-21 Q1`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

LABEL = re.compile(r"^\s*(\d{4})-(\d{2})\s*Q([1-4])\s*$")
DUE_WORKING_DAYS = 20
LOCK_DAYS_AFTER_DUE = 30


@dataclass(frozen=True, order=True)
class Quarter:
    year: int  # the calendar year the financial year starts in: 2020 for 2020-21
    number: int  # 1..4

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.number}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def year_earlier(self) -> Quarter:
        return Quarter(self.year - 1, self.number)

    @property
    def index(self) -> int:
        """A running number, so quarters can be compared and subtracted."""
        return self.year * 4 + self.number - 1

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = LABEL.match(text)
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise ValueError(f'"{text}" is not a financial-year quarter; write it like "2020-21 Q1".')
        return cls(int(match.group(1)), int(match.group(3)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year, year + 1]))


def add_working_days(start: date, days: int) -> date:
    """`days` working days after `start`: weekends and England's bank holidays do not count."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _bank_holidays(day.year):
            days -= 1
    return day


def default_dates(quarter: Quarter) -> tuple[date, date, date]:
    """(opens, due, locks): the day after quarter end, 20 working days after it, and 30 days after due."""
    due = add_working_days(quarter.end, DUE_WORKING_DAYS)
    return quarter.end + timedelta(days=1), due, due + timedelta(days=LOCK_DAYS_AFTER_DUE)
