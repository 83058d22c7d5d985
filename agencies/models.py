from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
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


class PeopleManager(UserManager):
    """People: every account but the API keys' own (issue 16). So no list of leads, reminder, notification, sign-in
    or password reset ever reaches an API key's account; `User.accounts` holds them all."""

    def get_queryset(self):
        return super().get_queryset().filter(is_api_account=False)


class User(AbstractUser):
    """A person who signs in. Agency leads belong to one agency; partnership roles to none.

    An API key acts through an account of its own (`is_api_account`): an agency lead of its agency, or a working
    group member for a read-only reader key, so that agencies.access scopes it exactly as that person. Such an account
    has no password and no email, cannot sign in, and is left out of `User.objects` (see PeopleManager).
    """

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENCY_LEAD)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text="Agency leads only. A lead with no agency can read and edit nothing.",
    )

    # db_default too: a database migrated back to before this column (a data migration's test) still takes rows
    is_api_account = models.BooleanField(
        default=False,
        db_default=False,
        editable=False,
        help_text="The account an API key acts through: not a person, never signs in.",
    )

    objects = PeopleManager()
    accounts = UserManager()

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        base_manager_name = "accounts"
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


# --- issue 16: API keys ----------------------------------------------------------------------------------------------
KEY_PREFIX = "np"


def _digest(secret: str) -> str:
    """Keys are 256 random bits, so one SHA-256 is as strong as a slow hash and costs nothing per request."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyKind(models.TextChoices):
    AGENCY = "agency", "Agency system: reads and submits that agency's returns"
    READER = "reader", "Partnership reader: reads only"


class ApiKey(models.Model):
    """A key a case-management system or a reader's tool sends as `Authorization: Bearer np_<id>_<secret>`.

    Shown once when made; only its digest is kept. It acts through its own account (`account`): that agency's lead
    (kind agency) or a working group member (kind reader, read-only), so every rule in agencies.access applies as to
    that person. It stops working when revoked, when it expires, or when the reader who holds it leaves.
    """

    name = models.CharField(max_length=80, help_text='What it is for, e.g. "Mosaic quarterly extract".')
    kind = models.CharField(max_length=10, choices=ApiKeyKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="api_keys")
    holder = models.ForeignKey(
        "User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_keys_held",
        help_text="Reader keys: the partnership reader who holds it.",
    )
    account = models.OneToOneField("User", on_delete=models.PROTECT, related_name="api_key", editable=False)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("User", on_delete=models.PROTECT, related_name="+", editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    history = HistoricalRecords(excluded_fields=["digest"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="agency", agency__isnull=False, holder__isnull=True))
                | (models.Q(kind="reader", agency__isnull=True, holder__isnull=False)),
                name="api_key_agency_or_holder",
                violation_error_message="An agency key names its agency; a reader key names the reader who holds it.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def read_only(self) -> bool:
        return self.kind == ApiKeyKind.READER

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """(prefix, the whole key): the prefix finds the row, the rest is the secret."""
        prefix = secrets.token_hex(6)
        return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"

    @staticmethod
    def digest_of(key: str) -> str:
        return _digest(key)

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.digest, _digest(key))

    def state(self, now: datetime | None = None) -> str:
        """ "active", "revoked", "expired" or "holder left": why it works or not, in one word or two."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.holder_id is not None and not self.holder.is_active:
            return "holder left"
        return "active"
