"""Writing a snapshot's rows as plain tuples, and keeping builds one at a time.

A large partnership's build writes thousands of rows: model instances for each would cost more than the build's
arithmetic (most of a full build's time was `bulk_create` preparing instances). Rows here are tuples in the
table's column order; on PostgreSQL they go in by COPY, elsewhere by one `executemany`.

Contributions are valid over an interval of builds (`DatasetContribution`): a build compares its figures with
the open rows (the current snapshot's), inserts the new and changed ones from its own snapshot on, and closes
the ones they replace, so a build writes only what changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models

from dataset.models import DatasetCodeText, DatasetContribution

from .figures import AgencyFigure

# Any fixed number: the key of PostgreSQL's transaction-scoped advisory lock that serialises builds.
BUILD_LOCK = 4_711_013

CONTRIBUTION_COLUMNS = (
    "valid_from",
    "code",
    "quarter",
    "agency",
    "value",
    "numerator",
    "denominator",
    "not_available",
    "commentary",
)

# Ids per UPDATE ... WHERE id IN (...): under every database's limit on bound parameters.
_IDS_PER_UPDATE = 900


def lock_builds() -> None:
    """Hold the build lock until the current transaction ends, so two overlapping builds cannot both diff
    against the same open rows. PostgreSQL: an advisory lock. SQLite has one writer at a time already, and the
    build writes its snapshot row before it reads the open rows, so the second build waits there."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUILD_LOCK])


def json_text(value) -> str:
    """A JSON column's value as the database takes it in a plain row."""
    return json.dumps(value, separators=(",", ":"))


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert plain rows (values in `columns` order, JSON columns already text). Returns how many."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch = list(rows)
            marks = ", ".join(["%s"] * len(columns))
            # Names from the model's own meta, quoted; every value is bound.
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608  # nosec B608
            count = len(batch)
    return count


def copy_rows(
    model: type[models.Model], columns: Sequence[str], *, into: int, source: int, codes: Iterable[str]
) -> int:
    """INSERT ... SELECT: a snapshot's rows for `codes` copied to snapshot `into`, in the database, unchanged.
    Returns how many."""
    codes = sorted(codes)
    if not codes:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(codes), _IDS_PER_UPDATE):
            chunk = codes[start : start + _IDS_PER_UPDATE]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                # Names from the model's own meta, quoted; every value is bound.
                f"INSERT INTO {table} (snapshot_id, {names}) SELECT %s, {names} FROM {table} "  # noqa: S608  # nosec B608
                f"WHERE snapshot_id = %s AND code IN ({marks})",
                [into, source, *chunk],
            )
            count += cursor.rowcount
    return count


def _figure_row(f: AgencyFigure) -> tuple:
    return (f.value, f.numerator, f.denominator, f.not_available, f.commentary)


def write_contributions(
    figures: Sequence[AgencyFigure],
    *,
    seq: int,
    quarters: Iterable[int] | None = None,
    unchanged: Iterable[int] = (),
) -> tuple[int, int, set[tuple[str, int]]]:
    """Make exactly `figures` visible from snapshot `seq` on, writing only the difference from the open rows.

    `quarters`: `figures` are every accepted figure of these quarters only, and only their open rows are compared
    (the other quarters' stay as they are); None: `figures` are all of them. `unchanged`: quarters whose figures
    the caller knows to be the open rows already (the current snapshot's, by their digests): neither their figures
    nor their open rows are read. Figures compare by value: the database gives back 12.000000 for 12, equal as
    Decimals. Returns how many rows were inserted, how many closed, and the cells (code, quarter) whose figures
    changed."""
    rows = DatasetContribution.objects.filter(valid_until__isnull=True)
    if quarters is not None:
        rows = rows.filter(quarter__in=sorted(quarters))
    skipped = set(unchanged)
    if skipped:
        rows = rows.exclude(quarter__in=sorted(skipped))
        figures = [f for f in figures if f.quarter not in skipped]
    found_rows = (
        rows.order_by()
        .values_list(
            "pk", "code", "quarter", "agency", "value", "numerator", "denominator", "not_available", "commentary"
        )
        .iterator(chunk_size=10_000)
    )
    open_rows: dict[tuple[str, int, str], tuple[int, tuple]] = {
        (code, quarter, agency): (pk, (value, numerator, denominator, not_available, commentary))
        for pk, code, quarter, agency, value, numerator, denominator, not_available, commentary in found_rows
    }
    new: list[AgencyFigure] = []
    closed: list[int] = []
    changed: set[tuple[str, int]] = set()
    for f in figures:
        found = open_rows.pop((f.code, f.quarter, f.agency), None)
        if found is not None:
            if found[1] == _figure_row(f):
                continue
            closed.append(found[0])
        new.append(f)
        changed.add((f.code, f.quarter))
    for (code, quarter, _), (pk, _) in open_rows.items():  # no longer accepted: closed, nothing replaces them
        closed.append(pk)
        changed.add((code, quarter))
    for start in range(0, len(closed), _IDS_PER_UPDATE):
        DatasetContribution.objects.filter(pk__in=closed[start : start + _IDS_PER_UPDATE]).update(valid_until=seq)
    inserted = insert_rows(
        DatasetContribution,
        CONTRIBUTION_COLUMNS,
        ((seq, f.code, f.quarter, f.agency, *_figure_row(f)) for f in new),
    )
    return inserted, len(closed), changed


def open_code_texts() -> dict[str, tuple[int, tuple[str, str, str]]]:
    """The current results text of each indicator, with its row's key."""
    return {
        code: (pk, (v, c, s))
        for pk, code, v, c, s in DatasetCodeText.objects.filter(valid_until__isnull=True)
        .order_by()
        .values_list("pk", "code", "values_text", "comparisons_text", "spc_text")
    }


def write_code_texts(texts: dict[str, tuple[str, str, str]], *, seq: int, whole: bool) -> int:
    """Make `texts` the indicators' results text from snapshot `seq` on, writing only what differs. `whole`:
    `texts` covers every indicator, so an open text of any other one is closed. Returns rows inserted."""
    current = open_code_texts()
    closed = [pk for code, (pk, _) in current.items() if whole and code not in texts]
    new = []
    for code, text in texts.items():
        found = current.get(code)
        if found is not None and found[1] == text:
            continue
        if found is not None:
            closed.append(found[0])
        new.append((code, seq, *text))
    for start in range(0, len(closed), _IDS_PER_UPDATE):
        DatasetCodeText.objects.filter(pk__in=closed[start : start + _IDS_PER_UPDATE]).update(valid_until=seq)
    return insert_rows(DatasetCodeText, ("code", "valid_from", "values_text", "comparisons_text", "spc_text"), new)
