"""What a feed would replace: the Partnership's return for the quarter as the feed's page shows it (its version,
sent back with the feed, and the indicator's figures and commentary now), so the scrutineer sees the lead's text
before feeding and a feed from a page opened before the lead changed the return is refused."""

from __future__ import annotations

from dataclasses import dataclass

from agencies.models import Sector
from dataset.models import Indicator, ReportingPeriod, Return, ReturnValue


@dataclass(frozen=True)
class FeedTarget:
    code: str
    version: int  # the return's version; 0 while there is no return
    value: ReturnValue | None

    @property
    def has_figures(self) -> bool:
        return bool(self.value and (self.value.numerator or self.value.denominator or self.value.value))


def partnership_return(code: str, period: ReportingPeriod) -> Return | None:
    indicator = Indicator.objects.filter(code=code, active=True).first()
    agency = indicator.suppliers.filter(sector=Sector.PARTNERSHIP).first() if indicator else None
    return Return.objects.filter(agency=agency, period=period).first() if agency else None


def feed_target(code: str, period: ReportingPeriod) -> FeedTarget:
    ret = partnership_return(code, period)
    if ret is None:
        return FeedTarget(code=code, version=0, value=None)
    value = ReturnValue.objects.filter(ret=ret, indicator__code=code).first()
    return FeedTarget(code=code, version=ret.version, value=value)
