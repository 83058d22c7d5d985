from __future__ import annotations

from django.db import models
from django.utils import timezone

from agencies.models import Role, User


class Kind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for review"
    SENT_BACK = "sent_back", "Sent back for changes"
    ACCEPTED = "accepted", "Accepted"
    REOPENED = "reopened", "Reopened for amendment"
    SNAPSHOT_PUBLISHED = "snapshot_published", "Dataset published"
    PACK_READY = "pack_ready", "Evidence pack ready"


# What each kind tells, in the words of the settings page.
KIND_HINTS: dict[str, str] = {
    Kind.SUBMITTED: "A receipt when your agency's return or action-plan report is submitted; for the analyst, "
    "a notice that it waits for review.",
    Kind.SENT_BACK: "The analyst sent your agency's return or report back, with the reason.",
    Kind.ACCEPTED: "The analyst accepted your agency's return or report.",
    Kind.REOPENED: "The analyst reopened an accepted return or report for amendment, with the reason.",
    Kind.SNAPSHOT_PUBLISHED: "A new Partnership Neglect Dataset was published.",
    Kind.PACK_READY: "An evidence pack you can download has been built.",
}

# The kinds each role can receive: the settings page offers only these.
KINDS_FOR_ROLE: dict[str, tuple[str, ...]] = {
    Role.AGENCY_LEAD: (Kind.SUBMITTED, Kind.SENT_BACK, Kind.ACCEPTED, Kind.REOPENED),
    Role.ANALYST: (Kind.SUBMITTED,),
    Role.MEMBER: (Kind.SNAPSHOT_PUBLISHED,),
    Role.SCRUTINEER: (Kind.SNAPSHOT_PUBLISHED, Kind.PACK_READY),
    Role.ADMIN: (),
}


# An email is given up on after this many attempts (the task's retries and the sweep both stop there); a person can
# then try it again from the failed-emails page.
EMAIL_MAX_ATTEMPTS = 5
# How an email that could not even be tried starts its error: no address, or the account is closed.
NOT_SENT = "Not sent"


class Notification(models.Model):
    """One message to one person. The row is the email's job request too: it is committed with the change it tells
    of, and `emailed_at` (set under a row lock) makes the email go once however often its task runs."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    link = models.CharField(max_length=300, blank=True, help_text="A path in the portal, e.g. /returns/5/.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    in_app = models.BooleanField(default=True, help_text="Shown in the person's notifications list.")
    email_wanted = models.BooleanField(default=True, help_text="The person wanted it by email when it was made.")
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_failed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True, help_text="Why the last attempt to email it failed.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "email_wanted"], name="notification_unsent"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def email_given_up(self) -> bool:
        """Wanted, never sent, and nothing will try again by itself."""
        return (
            self.email_wanted
            and self.emailed_at is None
            and (self.email_attempts >= EMAIL_MAX_ATTEMPTS or self.email_error.startswith(NOT_SENT))
        )

    @property
    def email_failure(self) -> str:
        """Names the last failure: the Try again form carries it, so a second click finds a different one."""
        return self.email_failed_at.isoformat() if self.email_failed_at else ""


class NotificationPreference(models.Model):
    """A person's choice for one kind. No row means both on."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    email = models.BooleanField(default=True)
    in_app = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"
