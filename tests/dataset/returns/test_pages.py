"""The return pages as people use them: draft, errors, conflict, double submit, review."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dataset.models import Return, ReturnValue
from dataset.returns import services
from neglect_portal.lifecycle import State
from tests.dataset.conftest import fill
from tests.pages import assert_accessible_outline, outline


def edit_url(ret):
    return reverse("dataset:return_edit", args=[ret.pk])


def post_figures(client, ret, version, url_name="dataset:return_edit", **fields):
    data = {"seen_version": version}
    data.update({key.replace("__", "-"): value for key, value in fields.items()})
    return client.post(reverse(url_name, args=[ret.pk]), data)


def test_save_draft_keeps_invalid_figures_and_lists_what_is_wrong(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    response = post_figures(client, csc_return, 1, N18__numerator="500", N18__denominator="420", N28__value="2.5")
    # Post/Redirect/Get: a save that stored the figures sends the browser back to the page, which says so.
    assert response.status_code == 303 and response["Location"] == edit_url(csc_return)
    csc_return.refresh_from_db()
    assert csc_return.version == 2
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'role="status">Draft saved\.</div>', page)
    assert "Draft saved." not in client.get(edit_url(csc_return)).content.decode()  # said once, not on every visit
    assert 'href="#id_N18-numerator"' in page and "must be no more than open neglect CIN plans (420)" in page
    assert 'href="#id_N28-value"' in page and "whole number" in page
    assert re.search(r'id="id_N18-numerator"[^>]*aria-describedby="N18-numerator-problems"', page) or re.search(
        r'aria-describedby="N18-numerator-problems"[^>]*id="id_N18-numerator"', page
    )
    values = {v.indicator.code: v for v in ReturnValue.objects.filter(ret=csc_return).select_related("indicator")}
    assert (values["N18"].numerator, values["N28"].value) == ("500", "2.5")


def test_submit_with_errors_saves_the_draft_and_shows_the_error_summary(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    response = post_figures(
        client,
        csc_return,
        1,
        "dataset:return_submit",
        N18__numerator="500",
        N18__denominator="420",
        N28__value="24",
        N28__commentary="",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "cannot be submitted yet" in page
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT
    assert ReturnValue.objects.get(ret=csc_return, indicator__code="N18").numerator == "500"


def test_submit_then_a_second_click_submits_once(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    fields = {
        "N18__numerator": "150",
        "N18__denominator": "420",
        "N28__value": "24",
        "N28__commentary": "",
        "sign_off": "on",
    }
    first = post_figures(client, csc_return, 1, "dataset:return_submit", **fields)
    assert first.status_code == 302
    second = post_figures(client, csc_return, 1, "dataset:return_submit", **fields)
    assert second.status_code == 302
    assert "already submitted" in client.get(second["Location"]).content.decode()
    csc_return.refresh_from_db()
    assert csc_return.status == State.SUBMITTED
    assert sum(1 for h in csc_return.history.all() if h.status == State.SUBMITTED) == 1


def test_a_conflicting_save_keeps_typed_values_names_who_and_marks_the_rows(client, csc_return, csc_lead, csc):
    from tests.factories import UserFactory

    colleague = UserFactory(username="csc.deputy", first_name="Dee", last_name="Puty", agency=csc)
    fill(csc_return, colleague, N28="24")  # saved after csc_lead opened the page at version 1
    client.force_login(csc_lead)
    response = post_figures(client, csc_return, 1, N28__value="31", N18__numerator="77", N18__denominator="300")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Dee Puty changed this return" in page
    assert 'value="31"' in page and 'value="77"' in page  # what was typed is still in the form
    assert re.search(r'id="ind-N28"', page) and "Changed by Dee Puty since you opened this page" in page
    assert "Changed under you: N28" in page
    values = {v.indicator.code: v for v in ReturnValue.objects.filter(ret=csc_return).select_related("indicator")}
    assert (values["N28"].value, values["N18"].numerator) == ("24", "")


def test_the_agency_lead_sees_why_their_return_came_back(client, csc_return, csc_lead, analyst):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    ret = services.return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    client.force_login(analyst)
    assert client.post(reverse("dataset:return_send_back", args=[ret.pk]), {"reason": ""}).status_code == 400
    reason = "N18 denominator looks like last year's"
    client.post(reverse("dataset:return_send_back", args=[ret.pk]), {"reason": reason})
    client.force_login(csc_lead)
    page = client.get(ret.get_absolute_url()).content.decode()
    assert "Returned by" in page and "N18 denominator looks like last year&#x27;s" in page


def test_an_edit_refused_by_the_lock_says_why_in_words(client, csc_return, csc_lead, open_period):
    from datetime import timedelta

    from django.utils import timezone

    open_period.locks_on = timezone.localdate() - timedelta(days=1)
    open_period.save()
    client.force_login(csc_lead)
    response = client.post(edit_url(csc_return), {"seen_version": 1, "N28-value": "3"}, follow=True)
    assert "2020-21 Q1 locked on" in response.content.decode()
    assert "ask the partnership analyst to reopen it" in response.content.decode()
    assert ReturnValue.objects.get(ret=csc_return, indicator__code="N28").value == ""


def test_the_analyst_accepts_several_at_once(client, csc_return, police_return, csc_lead, police_lead, analyst):
    for ret, user, figures in (
        (csc_return, csc_lead, {"N18": ("150", "420"), "N28": "24"}),
        (police_return, police_lead, {"N28": "3"}),
    ):
        fill(ret, user, **figures)
        ret.refresh_from_db()
        services.return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
    client.force_login(analyst)
    queue = client.get(reverse("review_queue")).content.decode()
    assert "Children&#x27;s Social Care" in queue and "Sussex Police" in queue
    response = client.post(reverse("review_accept_many"), {"returns": [csc_return.pk, police_return.pk]}, follow=True)
    assert "Accepted 2 return(s)" in response.content.decode()
    assert set(Return.objects.values_list("status", flat=True)) == {State.ACCEPTED}


@pytest.mark.parametrize("persona", ["csc_lead", "analyst"])
def test_return_pages_have_an_accessible_outline(client, request, csc_return, csc_lead, persona):
    fill(csc_return, csc_lead, N18=("500", "420"))
    client.force_login(request.getfixturevalue(persona))
    urls = [
        reverse("dataset:return_list"),
        csc_return.get_absolute_url(),
        reverse("dataset:return_history", args=[csc_return.pk]),
    ]
    urls += [edit_url(csc_return)] if persona == "csc_lead" else [reverse("review_queue")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_accessible_outline(url, outline(response))


def test_the_returns_list_pages_at_50_and_keeps_its_filters(client, analyst, csc, police):
    from dataset.catalogue.periods import Quarter, default_dates
    from dataset.models import ReportingPeriod
    from tests.factories import AgencyFactory

    agencies = [csc, police, AgencyFactory(name="Early Help", short_name="EH")]
    quarter = Quarter(2010, 1)
    for _ in range(41):
        opens, due, locks = default_dates(quarter)
        period = ReportingPeriod.objects.create(
            year=quarter.year, quarter=quarter.number, opens_on=opens, due_on=due, locks_on=locks
        )
        for agency in agencies:
            Return.objects.create(agency=agency, period=period, status=State.ACCEPTED)
        quarter = quarter.next()
    Return.objects.filter(period=period).update(status=State.SUBMITTED)  # the latest quarter's: not accepted
    client.force_login(analyst)
    query = {"period": "", "status": State.ACCEPTED}  # All quarters, accepted: 40 x 3 = 120 returns
    seen, pages = [], []
    response = client.get(reverse("dataset:return_list"), query)
    while True:
        page = response.content.decode()
        pages.append(re.search(r"Page (\d+) of (\d+)", page).groups())
        rows = re.findall(r'<th scope="row"><a href="([^"]+)"', page)
        seen += rows
        assert re.search(r'<option value="accepted" selected>', page)  # the filter is still shown as chosen
        following = re.search(r'rel="next" href="([^"]+)"', page)
        if not following:
            break
        link = following.group(1).replace("&amp;", "&")
        assert "status=accepted" in link and "period=" in link
        response = client.get(reverse("dataset:return_list") + link)
    assert pages == [("1", "3"), ("2", "3"), ("3", "3")]
    assert len(seen) == len(set(seen)) == 120
    assert 'rel="prev"' in page and "returns 101 to 120 of 120" in page
