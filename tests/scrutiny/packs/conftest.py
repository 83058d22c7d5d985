"""The small dataset and the September event of tests/scrutiny/packs/test_events.py, for every pack test that
builds a real pack without repeating their list."""

from tests.scrutiny.packs.test_events import (  # noqa: F401  (imported to be found as fixtures)
    catalogue,
    csc_return,
    event,
    n18,
    n28,
    open_period,
    outcome,
    pack,
    snapshot,
)
