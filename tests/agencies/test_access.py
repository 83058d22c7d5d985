"""The access rules, role by role, against an object of the user's own agency and of another."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies import access
from agencies.models import Agency

# persona -> (reads own, reads other, edits own, edits other); "own" is Children's Social Care.
RULES = {
    "csc_lead": (True, False, True, False),
    "analyst": (True, True, False, False),
    "member": (True, True, False, False),
    "scrutineer": (True, True, False, False),
    "admin_user": (False, False, False, False),
    "no_agency_user": (False, False, False, False),
}


@pytest.mark.parametrize(("persona", "expected"), RULES.items())
def test_scoped_querysets_and_questions_follow_the_role(request, csc, police, persona, expected):
    user = request.getfixturevalue(persona)
    reads_own, reads_other, edits_own, edits_other = expected
    readable = access.scoped(Agency.objects.all(), user, agency_field=access.SELF)
    editable = access.scoped(Agency.objects.all(), user, for_edit=True, agency_field=access.SELF)

    assert (csc in readable, police in readable) == (reads_own, reads_other)
    assert (csc in editable, police in editable) == (edits_own, edits_other)
    assert (access.can_read(user, csc), access.can_read(user, police)) == (reads_own, reads_other)
    assert (access.can_edit(user, csc), access.can_edit(user, police)) == (edits_own, edits_other)


@pytest.mark.parametrize(("persona", "expected"), RULES.items())
def test_scoping_follows_a_named_agency_field(request, csc, police, persona, expected):
    """Rows that point at an agency (here: people) are scoped through the named field."""
    from agencies.models import User

    user = request.getfixturevalue(persona)
    csc_person = User.objects.create(username="someone.csc", agency=csc)
    police_person = User.objects.create(username="someone.police", agency=police)
    readable = access.scoped(User.objects.all(), user)
    assert (csc_person in readable, police_person in readable) == expected[:2]


@pytest.mark.parametrize(("persona", "expected"), RULES.items())
def test_agency_pages_are_404_outside_the_users_scope(client, request, csc, police, persona, expected):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    reads_own, reads_other = expected[:2]
    for agency, readable in ((csc, reads_own), (police, reads_other)):
        response = client.get(reverse("agencies:detail", args=[agency.pk]))
        assert response.status_code == (200 if readable else 404), (persona, agency.name)


def test_an_inactive_user_reads_nothing(csc, csc_lead):
    csc_lead.is_active = False
    assert not access.scoped(Agency.objects.all(), csc_lead, agency_field=access.SELF).exists()
    assert not access.can_edit(csc_lead, csc)


def test_only_the_analyst_manages_and_only_the_scrutineer_scrutinises(csc_lead, analyst, member, scrutineer):
    assert [access.can_manage(u) for u in (csc_lead, analyst, member, scrutineer)] == [False, True, False, False]
    assert [access.can_scrutinise(u) for u in (csc_lead, analyst, member, scrutineer)] == [False, False, False, True]


def test_a_partnership_role_cannot_belong_to_an_agency(csc, analyst):
    from django.db import IntegrityError, transaction

    analyst.agency = csc
    with pytest.raises(IntegrityError), transaction.atomic():
        analyst.save()
