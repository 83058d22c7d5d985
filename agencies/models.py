from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Sector(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    EARLY_HELP = "early_help", "Early help"
    EDUCATION = "education", "Education"
    POLICE = "police", "Police"
    COMMUNITY_HEALTH = "community_health", "Community health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    COMMISSIONING = "commissioning", "Health commissioning (ICB/CCG)"
    VOLUNTARY = "voluntary", "Voluntary and community sector"
    PARTNERSHIP = "partnership", "Safeguarding partnership"


class Agency(models.Model):
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(max_length=40, unique=True, help_text="Used in tables and charts, e.g. 'CSC'.")
    sector = models.CharField(max_length=30, choices=Sector.choices)
    active = models.BooleanField(default=True, help_text="Inactive agencies keep their history but expect no returns.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agencies:detail", args=[self.pk])


class Role(models.TextChoices):
    AGENCY_LEAD = "agency_lead", "Agency lead"
    ANALYST = "analyst", "Partnership analyst"
    MEMBER = "member", "Working group member"
    SCRUTINEER = "scrutineer", "Scrutineer"
    ADMIN = "admin", "System administrator"


class User(AbstractUser):
    """A person who signs in. Agency leads belong to one agency; partnership roles to none."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENCY_LEAD)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text="Agency leads only. A lead with no agency can read and edit nothing.",
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="agency_lead") | models.Q(agency__isnull=True),
                name="only_agency_leads_have_an_agency",
                violation_error_message="Only agency leads belong to an agency; partnership roles have none.",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)
