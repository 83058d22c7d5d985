"""Behaviour of the catalogue loader: `load_indicators FILE.csv` checks every row, then loads all or nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from agencies.demo import seed_partnership
from agencies.models import Agency
from dataset.catalogue.loader import COLUMNS, DEMO_CATALOGUE, load_demo_catalogue, parse_catalogue
from dataset.models import HistorySource, Indicator, Polarity, Unit
from neglect_portal.strategy import Objective

GOOD = {
    "code": "X01",
    "title": "Neglect strategy briefings delivered",
    "definition": "Briefings delivered to practitioners in the quarter.",
    "unit": "count",
    "numerator_label": "",
    "denominator_label": "",
    "allow_negative": "no",
    "polarity": "higher",
    "objective": "Recognise",
    "supplied_by": "CSC",
    "target": "",
    "red_threshold": "",
    "tolerance_pct": "25",
    "benchmark_value": "",
    "benchmark_source": "",
    "benchmark_year": "",
    "active": "yes",
}


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def csv_text(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicators.csv"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> str:
    out = io.StringIO()
    call_command("load_indicators", str(path), stdout=out)
    return out.getvalue()


def history_rows() -> tuple[int, int]:
    return Indicator.history.count(), apps.get_model("dataset", "HistoricalIndicator_suppliers").objects.count()


@pytest.fixture
def partnership(db):
    seed_partnership()


def test_it_loads_the_shipped_catalogue(partnership):
    output = load(DEMO_CATALOGUE)

    assert "created 35, updated 0, unchanged 0" in output
    assert Indicator.objects.count() == 35
    n07 = Indicator.objects.get(code="N07")
    assert {a.short_name for a in n07.suppliers.all()} == {"EH", "SCFT", "CSC"}
    assert n07.objective == Objective.RECOGNISE and n07.polarity == Polarity.HIGHER
    n08 = Indicator.objects.get(code="N08")
    assert n08.suppliers.count() == Agency.objects.filter(active=True).count() == 9
    n15 = Indicator.objects.get(code="N15")
    assert n15.unit == Unit.RATE_PER_10K and n15.benchmark_value == Decimal("21.6") and n15.benchmark_year == "2019-20"
    assert n15.target is None and n15.red_threshold is None
    n13 = Indicator.objects.get(code="N13")
    assert (n13.target, n13.red_threshold) == (Decimal("90"), Decimal("80"))
    assert Indicator.objects.get(code="N33").allow_negative
    assert not Indicator.objects.get(code="N01").allow_negative


def test_each_loaded_indicator_records_that_it_came_from_the_file(partnership):
    load(DEMO_CATALOGUE)

    first = Indicator.objects.get(code="N01").history.earliest()
    assert first.history_type == "+" and first.history_source == HistorySource.UPLOAD
    assert first.history_change_reason == "Loaded from indicators.csv"


def test_running_it_twice_changes_nothing(partnership):
    load(DEMO_CATALOGUE)
    before = history_rows()

    output = load(DEMO_CATALOGUE)

    assert "created 0, updated 0, unchanged 35" in output
    assert history_rows() == before
    assert Indicator.objects.count() == 35


def test_a_changed_row_updates_only_that_indicator_and_records_one_change(partnership, tmp_path):
    load(DEMO_CATALOGUE)
    history_before = Indicator.objects.get(code="N07").history.count()
    text = DEMO_CATALOGUE.read_text(encoding="utf-8-sig")
    text = text.replace("N07,Graded Care Profile 2", "N07,Renamed Graded Care Profile 2", 1)
    text = text.replace(",EH;SCFT;CSC,", ",EH;SCFT,", 1)

    output = load(write(tmp_path, text))

    assert "created 0, updated 1, unchanged 34" in output
    n07 = Indicator.objects.get(code="N07")
    assert n07.title == "Renamed Graded Care Profile 2 assessments completed"
    assert {a.short_name for a in n07.suppliers.all()} == {"EH", "SCFT"}
    assert n07.history.count() == history_before + 1  # title and suppliers in one recorded change
    latest = n07.history.latest()
    assert {a.agency.short_name for a in latest.suppliers.all()} == {"EH", "SCFT"}


def test_a_file_with_bad_rows_reports_every_line_and_loads_nothing(partnership, tmp_path):
    path = write(
        tmp_path,
        csv_text(
            row(code="X01"),
            row(code="X02", unit="percent"),
            row(code="X03"),
            row(code="X04", supplied_by="CSC;Nowhere Trust"),
        ),
    )

    with pytest.raises(CommandError) as raised:
        load(path)

    message = str(raised.value)
    assert "Nothing was loaded" in message
    assert "Line 3, unit:" in message and '"percent"' in message
    assert "Line 5, supplied_by:" in message and "Nowhere Trust" in message
    assert "Line 2" not in message and "Line 4" not in message
    assert not Indicator.objects.exists()


def test_a_missing_column_is_reported_and_nothing_loads(partnership, tmp_path):
    columns = tuple(name for name in COLUMNS if name != "polarity")
    path = write(tmp_path, csv_text(row(), columns=columns))

    with pytest.raises(CommandError) as raised:
        load(path)

    assert "Line 1, polarity: column missing" in str(raised.value)
    assert not Indicator.objects.exists()


def test_an_unknown_column_is_reported(partnership):
    parsed = parse_catalogue(csv_text(row(), columns=(*COLUMNS, "notes")))

    assert [(p.line, p.column) for p in parsed.problems] == [(1, "notes")]


def test_it_applies_the_models_rules_to_each_row(partnership):
    parsed = parse_catalogue(
        csv_text(
            row(code="X01", unit="percentage"),  # a ratio with no labels
            row(code="X02", polarity="neither", target="10", red_threshold="20"),  # cannot RAG rate "neither"
            row(code="X03", benchmark_value="50.5"),  # a benchmark must say where it comes from
            row(code="X04", title=""),
        )
    )

    assert {(p.line, p.column) for p in parsed.problems} == {
        (2, "numerator_label"),
        (2, "denominator_label"),
        (3, "red_threshold"),
        (4, "benchmark_source"),
        (5, "title"),
    }
    assert parsed.rows == []


def test_it_reports_bad_numbers_booleans_and_duplicate_codes(partnership):
    parsed = parse_catalogue(
        csv_text(
            row(code="X01", target="ninety"),
            row(code="X02", active="maybe"),
            row(code="x01"),
            row(code="X03", tolerance_pct="-5"),
            row(code="X04", objective="Prevent"),
            row(code="X05", supplied_by=""),
        )
    )

    problems = {(p.line, p.column): p.message for p in parsed.problems}
    assert set(problems) == {
        (2, "target"),
        (3, "active"),
        (4, "code"),
        (5, "tolerance_pct"),
        (6, "objective"),
        (7, "supplied_by"),
    }
    assert "already on line 2" in problems[(4, "code")]
    assert '"ninety" is not a number' in problems[(2, "target")]


def test_it_accepts_labels_full_names_and_any_case(partnership):
    parsed = parse_catalogue(
        csv_text(
            row(
                unit="Rate per 10,000 children",
                numerator_label="Children on plans",
                denominator_label="Child population",
                polarity="LOWER IS BETTER",
                objective="quantify",
                supplied_by="sussex police; children's social care",
                target="",
                tolerance_pct="",
                active="",
            )
        )
    )

    assert parsed.problems == []
    (loaded,) = parsed.rows
    assert loaded.fields["unit"] == Unit.RATE_PER_10K
    assert loaded.fields["polarity"] == Polarity.LOWER and loaded.fields["objective"] == Objective.QUANTIFY
    assert loaded.fields["tolerance_pct"] == Decimal("25") and loaded.fields["active"] is True
    assert loaded.supplier_ids == {Agency.objects.get(short_name="Police").pk, Agency.objects.get(short_name="CSC").pk}


def test_all_means_every_active_agency(partnership):
    Agency.objects.filter(short_name="CVS").update(active=False)

    (loaded,) = parse_catalogue(csv_text(row(supplied_by="ALL"))).rows

    assert loaded.supplier_ids == set(Agency.objects.filter(active=True).values_list("pk", flat=True))
    assert len(loaded.supplier_ids) == 8


def test_an_empty_file_is_a_problem_not_a_crash(partnership):
    assert [(p.line, p.column) for p in parse_catalogue("").problems] == [(1, "header")]


def test_a_row_with_the_wrong_number_of_values_is_reported(partnership):
    text = csv_text(row()) + "X09,Too short,Definition\n"

    (problem,) = parse_catalogue(text).problems

    assert (problem.line, problem.column) == (3, "row")
    assert "3 values" in problem.message


def test_load_demo_catalogue_loads_the_shipped_file_and_is_safe_to_run_twice(partnership):
    first = load_demo_catalogue()
    second = load_demo_catalogue()

    assert str(first) == "created 35, updated 0, unchanged 0"
    assert str(second) == "created 0, updated 0, unchanged 35"
    assert Indicator.objects.get(code="N01").history.earliest().history_source == HistorySource.SYSTEM


def test_the_check_option_loads_nothing(partnership):
    out = io.StringIO()
    call_command("load_indicators", str(DEMO_CATALOGUE), "--check", stdout=out)

    assert "35 indicators, no problems" in out.getvalue()
    assert not Indicator.objects.exists()


def test_an_unreadable_file_is_a_clear_error(partnership, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        load(tmp_path / "missing.csv")
