"""Quarterly report pages: edit, validation on submit, conflicts, review, history and the printable report."""

from __future__ import annotations

from django.urls import reverse

from actionplans.models import ActionUpdate, ProgressReport
from neglect_portal.lifecycle import State
from tests.actionplans.conftest import COMPLETE_PLAN, complete_inputs, fill


def form_data(report, actions, **per_action) -> dict[str, str]:
    """POST data for the edit form: every action Green unless per_action says otherwise."""
    data = {"seen_version": str(report.version)}
    for action in actions:
        row = {"rag": "green", "done": "Done some.", "impact": "", "next_steps": "More.", "recovery": ""}
        row.update(per_action.get(f"a{actions.index(action)}", {}))
        data.update({f"{action.pk}-{name}": value for name, value in row.items()})
    data.update({f"plan-{name}": value for name, value in COMPLETE_PLAN.items()})
    return data


def test_the_edit_page_has_a_labelled_field_per_action_and_the_objective_rags(
    client, csc_lead, csc_report, csc_actions
):
    client.force_login(csc_lead)
    page = client.get(reverse("actionplans:report_edit", args=[csc_report.pk])).content.decode()
    for action in csc_actions:
        for name in ("rag", "done", "impact", "next_steps", "recovery"):
            assert f'for="id_{action.pk}-{name}"' in page and f'name="{action.pk}-{name}"' in page
    for name in ("summary", "rag_recognise", "rag_respond", "rag_quantify", "rag_evaluate"):
        assert f'name="plan-{name}"' in page
    assert 'name="seen_version"' in page and "Blue (complete)" in page and page.count("<h1") == 1


def test_a_draft_keeps_anything(client, csc_lead, csc_report, csc_actions):
    client.force_login(csc_lead)
    data = form_data(csc_report, csc_actions, a0={"rag": "red", "done": "", "recovery": ""})
    response = client.post(reverse("actionplans:report_edit", args=[csc_report.pk]), data)
    assert response.status_code == 200 and "Draft saved." in response.content.decode()
    assert ActionUpdate.objects.get(report=csc_report, action=csc_actions[0]).rag == "red"


def test_red_without_narrative_or_recovery_is_refused_naming_the_action(client, csc_lead, csc_report, csc_actions):
    client.force_login(csc_lead)
    data = form_data(csc_report, csc_actions, a0={"rag": "red", "done": "", "recovery": ""})
    response = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    name = csc_actions[0].description
    assert f"{name}: Red needs a narrative" in page and f"{name}: Red needs a recovery step" in page
    assert f'href="#id_{csc_actions[0].pk}-done"' in page and f'href="#id_{csc_actions[0].pk}-recovery"' in page
    csc_report.refresh_from_db()
    assert csc_report.status == State.DRAFT
    assert ActionUpdate.objects.get(report=csc_report, action=csc_actions[0]).rag == "red"  # the draft was kept


def test_amber_without_narrative_is_refused(client, csc_lead, csc_report, csc_actions):
    client.force_login(csc_lead)
    data = form_data(csc_report, csc_actions, a1={"rag": "amber", "done": "", "recovery": "Extra staff."})
    page = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), data).content.decode()
    assert f"{csc_actions[1].description}: Amber needs a narrative" in page


def test_blue_without_evidence_of_impact_is_refused(client, csc_lead, csc_report, csc_actions):
    client.force_login(csc_lead)
    data = form_data(csc_report, csc_actions, a0={"rag": "blue", "impact": ""})
    response = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), data)
    assert response.status_code == 400
    assert f"{csc_actions[0].description}: Blue (complete) needs the evidence of impact" in response.content.decode()
    assert f'href="#id_{csc_actions[0].pk}-impact"' in response.content.decode()


def test_a_complete_report_is_submitted_once_and_a_second_submit_says_so(client, csc_lead, csc_report, csc_actions):
    client.force_login(csc_lead)
    data = form_data(csc_report, csc_actions)
    response = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), data)
    assert response.status_code == 302
    csc_report.refresh_from_db()
    assert csc_report.status == State.SUBMITTED
    version = csc_report.version
    again = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), data, follow=True)
    assert "already submitted" in again.content.decode()
    csc_report.refresh_from_db()
    assert csc_report.version == version


def test_a_second_save_from_the_same_version_is_a_conflict_and_loses_nothing(
    client, csc_lead, csc_report, csc_actions, police_lead
):
    client.force_login(csc_lead)
    url = reverse("actionplans:report_edit", args=[csc_report.pk])
    first = form_data(csc_report, csc_actions, a0={"done": "First person's narrative."})
    second = form_data(csc_report, csc_actions, a0={"done": "Second person's narrative."}, a1={"done": "Also mine."})
    assert client.post(url, first).status_code == 200
    response = client.post(url, second)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Carys Hughes changed this report" in page
    assert "Second person&#x27;s narrative." in page and "Also mine." in page  # what they typed is kept
    assert f'id="action-{csc_actions[0].pk}"' in page and "border-danger" in page
    assert "Changed by Carys Hughes since you opened this page" in page
    assert ActionUpdate.objects.get(report=csc_report, action=csc_actions[0]).done == "First person's narrative."


def test_the_analyst_accepts_returns_and_reopens_with_reasons(client, csc_lead, analyst, csc_report, csc_actions):
    fill(csc_report, csc_lead, complete_inputs(csc_actions))
    client.force_login(csc_lead)
    csc_report.refresh_from_db()
    client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), {"seen_version": csc_report.version})
    client.force_login(analyst)
    send_back = reverse("actionplans:report_send_back", args=[csc_report.pk])
    response = client.post(send_back, {"reason": ""})
    assert response.status_code == 400 and "Enter the reason" in response.content.decode()
    client.post(send_back, {"reason": "Say more about the training numbers."})
    csc_report.refresh_from_db()
    assert csc_report.status == State.RETURNED
    client.force_login(csc_lead)
    page = client.get(csc_report.get_absolute_url()).content.decode()
    assert "Say more about the training numbers." in page
    client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), {"seen_version": csc_report.version})
    client.force_login(analyst)
    assert "Accept" in client.get(csc_report.get_absolute_url()).content.decode()
    client.post(reverse("actionplans:report_accept", args=[csc_report.pk]))
    client.post(reverse("actionplans:report_reopen", args=[csc_report.pk]), {"reason": "Correct the Respond RAG."})
    csc_report.refresh_from_db()
    assert (csc_report.status, csc_report.revision) == (State.REOPENED, 2)
    history = client.get(reverse("actionplans:report_history", args=[csc_report.pk])).content.decode()
    for text in ("Returned for changes", "Say more about the training numbers.", "Accepted", "Reopened for amendment"):
        assert text in history
    assert "Done some." in history and "Green" in history


def test_the_report_shows_rag_in_words_and_prints_by_objective(client, csc_lead, accepted_csc_report, member):
    client.force_login(member)
    page = client.get(accepted_csc_report.get_absolute_url()).content.decode()
    assert "rag-green" in page and ">Green<" in page and "Steady progress." in page and ">Amber<" in page
    printable = client.get(reverse("actionplans:report_print", args=[accepted_csc_report.pk])).content.decode()
    assert "css/print.css" in printable and "Action Plan Summary Report" in printable
    assert printable.index("<h2>Recognise</h2>") < printable.index("<h2>Respond</h2>")
    assert printable.count("<h1") == 1 and "<caption id=" in printable


def test_every_page_has_its_own_title(client, csc_lead, csc_report, csc_plan, csc_actions):
    client.force_login(csc_lead)
    urls = [
        reverse("actionplans:plan_list"),
        reverse("actionplans:plan_create"),
        reverse("actionplans:plan_detail", args=[csc_plan.pk]),
        reverse("actionplans:plan_edit", args=[csc_plan.pk]),
        reverse("actionplans:action_create", args=[csc_plan.pk]),
        reverse("actionplans:action_edit", args=[csc_actions[0].pk]),
        reverse("actionplans:report_detail", args=[csc_report.pk]),
        reverse("actionplans:report_edit", args=[csc_report.pk]),
        reverse("actionplans:report_history", args=[csc_report.pk]),
        reverse("actionplans:report_print", args=[csc_report.pk]),
    ]
    titles = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert page.count("<h1") == 1 and "<script>" not in page, url
        titles.append(page.split("<title>")[1].split("</title>")[0])
    assert len(set(titles)) == len(titles)
    assert ProgressReport.objects.count() == 1
