from __future__ import annotations

import datetime

import factory

from agencies.models import Agency, Role, Sector, User


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    short_name = factory.Sequence(lambda n: f"AG{n}")
    sector = Sector.VOLUNTARY
    active = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.AGENCY_LEAD
    agency = None
    password = factory.django.Password("correct-horse-battery")


class IndicatorFactory(factory.django.DjangoModelFactory):
    """An indicator with the fields a test rarely cares about filled in; name what matters."""

    class Meta:
        model = "dataset.Indicator"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:02d}")
    title = factory.LazyAttribute(lambda i: f"Indicator {i.code}")
    definition = "Counted at quarter end."
    unit = "count"
    polarity = "neither"
    objective = "recognise"


class ActionFactory(factory.django.DjangoModelFactory):
    """An action in a 2019-21 plan of `plan__agency` (give `plan=` to reuse one)."""

    class Meta:
        model = "actionplans.Action"

    plan = factory.SubFactory(
        "tests.factories.ActionPlanFactory",
    )
    objective = "recognise"
    description = factory.Sequence(lambda n: f"Action {n}")
    lead_officer = "Jo Reid"
    starts_on = datetime.date(2019, 4, 1)
    due_on = datetime.date(2021, 3, 31)
    success_measure = "Better for children."


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actionplans.ActionPlan"

    agency = factory.SubFactory(AgencyFactory)
    title = factory.LazyAttribute(lambda p: f"{p.agency.short_name} neglect action plan")
    starts_on = datetime.date(2019, 4, 1)
    ends_on = datetime.date(2021, 3, 31)
