"""An agency system fills, checks, saves and submits a return by API alone (issue 16, items 3 and 5)."""

from __future__ import annotations

import pytest

from dataset.models import HistorySource, Return, ReturnValue
from dataset.returns import services
from dataset.uploads import services as upload_services
from neglect_portal.lifecycle import State

from .conftest import Api, fill

PROBLEM = "application/problem+json"


def values_url(ret) -> str:
    return f"/api/v1/returns/{ret.pk}/values/"


def etag(response) -> dict:
    return {"If-Match": response["ETag"]}


def test_start_fill_dry_run_save_submit(csc_api, open_period, catalogue, csc_lead):
    started = csc_api.post("/api/v1/returns/", {"period": "2020-21 Q1"})
    assert started.status_code == 201
    ret_id = started.json()["id"]
    assert started["Location"] == f"/api/v1/returns/{ret_id}/"
    assert csc_api.post("/api/v1/returns/", {"period": "2020-21 Q1"}).status_code == 200  # the same one, found

    got = csc_api.get(f"/api/v1/returns/{ret_id}/values/")
    assert got.status_code == 200 and got["ETag"] == f'"{ret_id}.1"'
    assert {v["code"] for v in got.json()["values"]} == {"N18", "N28"}

    body = {"values": {"N18": {"numerator": 150, "denominator": "420"}, "N28": {"value": "24"}}}
    dry = csc_api.put(f"/api/v1/returns/{ret_id}/values/?dry_run=true", body, etag(got))
    assert dry.status_code == 200
    assert dry.json()["dry_run"] is True and dry.json()["saved"] is False and dry.json()["changed"] == 2
    n18 = next(row for row in dry.json()["rows"] if row["code"] == "N18")
    assert n18["value_after"] == "35.7%"
    assert ReturnValue.objects.get(ret_id=ret_id, indicator__code="N18").numerator == ""  # nothing saved

    saved = csc_api.put(f"/api/v1/returns/{ret_id}/values/", body, etag(got))
    assert saved.status_code == 200, saved.content
    assert saved.json()["saved"] is True and saved.json()["version"] == 2 and saved["ETag"] == f'"{ret_id}.2"'
    assert ReturnValue.objects.get(ret_id=ret_id, indicator__code="N18").numerator == "150"

    submitted = csc_api.post(
        f"/api/v1/returns/{ret_id}/submit/", {"signed_off": True, "signed_off_by": "Jo Bloggs"}, etag(saved)
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == State.SUBMITTED
    ret = Return.objects.get(pk=ret_id)
    assert ret.status == State.SUBMITTED and ret.submitted_by.is_api_account

    history = csc_api.get(f"/api/v1/returns/{ret_id}/history/").json()
    assert history["timeline"][-1]["new"] == "Submitted" and history["timeline"][-1]["how"] == "API"
    assert "signed off by Jo Bloggs" in history["timeline"][-1]["reason"]
    assert history["timeline"][-1]["who"] == "Mosaic extract (API key)"
    change = next(c for c in history["changes"] if c["what"] == "N28 value")
    assert (change["new"], change["how"], change["who"]) == ("24", "API", "Mosaic extract (API key)")
    assert "Mosaic extract" in change["reason"]
    record = ReturnValue.history.filter(ret_id=ret_id, indicator__code="N28").latest("history_date")
    assert record.history_source == HistorySource.API


def test_the_dry_run_gives_the_upload_previews_problems(csc_api, csc_return, csc_lead, earlier_periods):
    """The same figures by API and in a spreadsheet meet the same rules in the same words (the file's say its row)."""
    figures = {"N18": {"numerator": "500", "denominator": "420"}, "N28": {"value": "-3"}}
    _, template = upload_services.template_csv(ret=csc_return)
    lines = template.decode("utf-8-sig").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        code = line.split(",")[0]
        f = figures[code]
        rows.append(f"{code},,,{f.get('numerator', '')},{f.get('denominator', '')},{f.get('value', '')},,")
    upload = upload_services.upload_create(
        ret=csc_return, acting_user=csc_lead, file_name="r.csv", content="\n".join(rows).encode()
    )
    preview = upload_services.upload_dry_run(upload=upload)
    from_file = sorted((p.indicator, p.code, p.field) for p in preview.problems)
    words_file = sorted(p.message.split(": ", 1)[1] for p in preview.problems)

    got = csc_api.get(values_url(csc_return))
    dry = csc_api.put(values_url(csc_return) + "?dry_run=true", {"values": figures}, etag(got))
    problems = [p for row in dry.json()["rows"] for p in row["problems"]]
    from_api = sorted((p["pointer"].split("/")[2], p["rule"], p["field"]) for p in problems)
    words_api = sorted(p["message"].split(": ", 1)[1] for p in problems)
    assert from_api == from_file and {r for _, r, _ in from_api} >= {"V03"} and len(from_api) >= 2
    assert words_api == words_file
    assert dry.json()["errors"] == 2


def test_errors_save_nothing_and_point_at_each_field(csc_api, csc_return):
    got = csc_api.get(values_url(csc_return))
    body = {"values": {"N18": {"numerator": "500", "denominator": "420"}, "N28": {"value": "lots"}}}
    response = csc_api.put(values_url(csc_return), body, etag(got))
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    pointers = {(e["pointer"], e["rule"]) for e in response.json()["errors"]}
    assert pointers == {("/values/N18/numerator", "V03"), ("/values/N28/value", "V01")}
    assert "nothing was saved" in response.json()["detail"]
    csc_return.refresh_from_db()
    assert csc_return.version == 1 and ReturnValue.objects.get(ret=csc_return, indicator__code="N28").value == ""


@pytest.mark.parametrize(
    "body,pointer,words",
    [
        ({"values": {"N99": {"value": 1}}}, "/values/N99", "No indicator has the code 'N99'."),
        ({"values": {"N28": {"numerator": 1}}}, "/values/N28/numerator", "N28 is a count: give its value"),
        ({"values": {"N18": {"value": 1}}}, "/values/N18/value", "give its numerator and denominator"),
        ({"values": {"N28": {"value": True}}}, "/values/N28/value", "Give the figure as a number or as text"),
        ({"values": {"N28": {"value": "1" * 41}}}, "/values/N28/value", "at most 40 characters"),
        ({"values": {"N28": {"not_available_reason": "lost"}}}, "/values/N28/not_available_reason", "not a valid"),
        ({"values": {"N28": {"commentary": "x" * 4001}}}, "/values/N28/commentary", "4000"),
        ({"values": []}, "/values", "dictionary"),
        ({}, "/values", "required"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(csc_api, csc_return, police, body, pointer, words):
    got = csc_api.get(values_url(csc_return))
    response = csc_api.put(values_url(csc_return), body, etag(got))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(e["pointer"] == pointer and words in e["detail"] for e in errors), errors


def test_a_code_the_agency_does_not_supply_is_named(csc_api, csc_return, police):
    from dataset.models import Indicator, Unit
    from neglect_portal.strategy import Objective

    Indicator.objects.create(
        code="P01", title="Police only", definition="x", unit=Unit.COUNT, objective=Objective.RECOGNISE
    ).suppliers.add(police)
    got = csc_api.get(values_url(csc_return))
    response = csc_api.put(values_url(csc_return), {"values": {"P01": {"value": 3}}}, etag(got))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/values/P01", "detail": "CSC does not supply P01: see GET /api/v1/indicators/."}
    ]


def test_a_stale_etag_is_412_naming_who_changed_it(csc_api, csc_return, csc_lead):
    got = csc_api.get(values_url(csc_return))
    fill(csc_return, csc_lead, N28="30")  # the lead saves on the page meanwhile
    response = csc_api.put(values_url(csc_return), {"values": {"N28": {"value": 31}}}, etag(got))
    assert response.status_code == 412 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["changed_by"] == "Carys Hughes" and problem["changed_codes"] == ["N28"]
    assert problem["current_version"] == 2 and problem["changed_at"]
    assert "Carys Hughes changed this return" in problem["detail"]
    assert ReturnValue.objects.get(ret=csc_return, indicator__code="N28").value == "30"  # theirs kept
    # a dry run on the stale version says so too, and the submit
    assert csc_api.put(values_url(csc_return) + "?dry_run=true", {"values": {}}, etag(got)).status_code == 412
    submit = csc_api.post(
        f"/api/v1/returns/{csc_return.pk}/submit/", {"signed_off": True, "signed_off_by": "Jo"}, etag(got)
    )
    assert submit.status_code == 412


@pytest.mark.parametrize("header", [None, "", '"999.1"', "garbage", 'W/"x.y"'])
def test_if_match_is_required_and_must_name_this_return(csc_api, csc_return, header):
    headers = {} if header is None else {"If-Match": header}
    response = csc_api.put(values_url(csc_return), {"values": {"N28": {"value": 3}}}, headers)
    expected = 428 if not header else 412
    assert response.status_code == expected
    assert response.json()["errors"][0]["parameter"] == "If-Match"
    csc_return.refresh_from_db()
    assert csc_return.version == 1


def test_weak_and_listed_etags_match(csc_api, csc_return):
    headers = {"If-Match": f'"{csc_return.pk + 100}.1", W/"{csc_return.pk}.1"'}
    response = csc_api.put(values_url(csc_return), {"values": {"N28": {"value": 3}}}, headers)
    assert response.status_code == 200 and response.json()["saved"] is True


def test_submit_needs_the_sign_off_and_a_name(csc_api, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    got = csc_api.get(values_url(csc_return))
    url = f"/api/v1/returns/{csc_return.pk}/submit/"
    refused = csc_api.post(url, {"signed_off": False, "signed_off_by": " "}, etag(got))
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.json()["errors"]} == {"/signed_off", "/signed_off_by"}
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT


def test_submit_with_errors_lists_them(csc_api, csc_return):
    got = csc_api.get(values_url(csc_return))
    response = csc_api.post(
        f"/api/v1/returns/{csc_return.pk}/submit/", {"signed_off": True, "signed_off_by": "Jo"}, etag(got)
    )
    assert response.status_code == 422
    assert {e["rule"] for e in response.json()["errors"]} == {"V06"}  # both figures blank
    assert {e["pointer"].rsplit("/", 1)[0] for e in response.json()["errors"]} == {"/values/N18", "/values/N28"}


def test_a_submitted_return_cannot_change_409(csc_api, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    services.return_submit(ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version, signed_off=True)
    got = csc_api.get(values_url(csc_return))
    response = csc_api.put(values_url(csc_return), {"values": {"N28": {"value": 3}}}, etag(got))
    assert response.status_code == 409
    assert "waiting for the partnership analyst" in response.json()["detail"]
    again = csc_api.post(
        f"/api/v1/returns/{csc_return.pk}/submit/", {"signed_off": True, "signed_off_by": "Jo"}, etag(got)
    )
    assert again.status_code == 409
    assert csc_api.get(f"/api/v1/returns/{csc_return.pk}/").json()["editable"] is False


def test_start_refuses_a_quarter_not_collected(csc_api, open_period, catalogue):
    response = csc_api.post("/api/v1/returns/", {"period": "2031-32 Q1"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/period", "detail": "There is no 2031-32 Q1 collection: see GET /api/v1/quarters/."}
    ]
    assert csc_api.post("/api/v1/returns/", {"period": "2020-22 Q1"}).status_code == 422
    assert csc_api.post("/api/v1/returns/", {"period": "Q1 2020"}).json()["errors"][0]["pointer"] == "/period"


def test_a_reader_key_reads_but_never_writes(reader_api, csc_return, csc_lead, analyst):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    Return.objects.filter(pk=csc_return.pk).update(status=State.ACCEPTED)
    assert reader_api.get(values_url(csc_return)).status_code == 200
    got = reader_api.get(values_url(csc_return))
    response = reader_api.put(values_url(csc_return), {"values": {"N28": {"value": 3}}}, etag(got))
    assert response.status_code == 403 and "read-only" in response.json()["detail"]
    assert reader_api.post("/api/v1/returns/", {"period": "2020-21 Q1"}).status_code == 403


def test_query_parameters_are_checked_by_name(csc_api, csc_return):
    for params, name in [({"status": "lost"}, "status"), ({"period": "2020"}, "period"), ({"page": "0"}, "page")]:
        response = csc_api.get("/api/v1/returns/", **params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["parameter"] == name
    assert csc_api.get("/api/v1/returns/", period="2020-21 Q1").json()["count"] == 1
    assert csc_api.get("/api/v1/returns/", period="2020-22 Q1").json()["count"] == 0  # names no quarter
    assert csc_api.get("/api/v1/returns/", page="9").status_code == 404


def test_an_unknown_address_under_the_api_is_a_problem(csc_api, anonymous_api):
    response = csc_api.get("/api/v1/nothing/")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert anonymous_api.get("/api/v1/nothing/").status_code == 404


def test_json_only(csc_api, csc_return):
    got = csc_api.get(values_url(csc_return))
    bad = csc_api.client.put(
        values_url(csc_return),
        data="{not json",
        content_type="application/json",
        headers={**etag(got), "Authorization": f"Bearer {csc_api.secret}"},
    )
    assert bad.status_code == 400 and bad["Content-Type"] == PROBLEM
    form = csc_api.client.put(
        values_url(csc_return),
        data="a=b",
        content_type="application/x-www-form-urlencoded",
        headers={**etag(got), "Authorization": f"Bearer {csc_api.secret}"},
    )
    assert form.status_code == 415 and form["Content-Type"] == PROBLEM
    html = csc_api.get("/api/v1/me/", headers={"Accept": "text/html"})
    assert html.status_code == 200 and html["Content-Type"] == "application/json"


def test_no_session_or_csrf_is_involved(csc_key, csc_lead, client):
    """A browser session does not stand in for a key, and a key needs no CSRF token."""
    client.force_login(csc_lead)
    assert client.get("/api/v1/me/").status_code == 401
    api = Api(csc_key.secret)
    api.client = type(api.client)(enforce_csrf_checks=True)
    assert api.get("/api/v1/me/").status_code == 200


def test_what_blocks_is_counted_as_it_is():
    from dataset.returns.validation import ERROR, QUERY, Problem, Problems

    def p(kind, blocking=True):
        return Problem("X", "N01", "value", "m", blocking=blocking, kind=kind)

    assert Problems([p(QUERY)] * 4).blocking_summary() == "4 unexplained queries"
    assert Problems([p(ERROR)] * 2).blocking_summary() == "2 errors"
    assert Problems([p(ERROR), p(QUERY), p(QUERY), p(QUERY, False)]).blocking_summary() == (
        "1 error and 2 unexplained queries"
    )
