"""Make, list and revoke API keys from the command line (the analyst's page does the same: /agencies/api-keys/).

    manage.py api_key create --agency CSC --name "Mosaic quarterly extract" [--days 90] [--by analyst] [--quiet]
    manage.py api_key create --reader member --name "BI team" [--days 90]
    manage.py api_key list
    manage.py api_key revoke <id>

The key is printed once (with --quiet, only the key, for `export KEY=$(...)`); only its digest is kept.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies import api_keys
from agencies.models import Agency, ApiKey, ApiKeyKind, Role, User


class Command(BaseCommand):
    help = "Make, list or revoke API keys."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a key and print it once.")
        create.add_argument("--name", required=True)
        who = create.add_mutually_exclusive_group(required=True)
        who.add_argument("--agency", help="An agency's short name: the key acts as that agency's lead.")
        who.add_argument("--reader", help="A partnership reader's user name: a read-only key they hold.")
        create.add_argument("--days", type=int, default=api_keys.DEFAULT_LIFE_DAYS, help="How long it works.")
        create.add_argument("--by", help="Who makes it (an analyst or administrator); default: the first analyst.")
        create.add_argument("--quiet", action="store_true", help="Print only the key.")
        sub.add_parser("list", help="Every key, newest first.")
        revoke = sub.add_parser("revoke", help="Revoke a key at once.")
        revoke.add_argument("id", type=int)
        revoke.add_argument("--by")

    def _by(self, username: str | None) -> User:
        people = User.objects.filter(is_active=True)
        user = (
            people.filter(username=username).first()
            if username
            else people.filter(role=Role.ANALYST).order_by("pk").first() or people.filter(is_superuser=True).first()
        )
        if user is None or not api_keys.can_manage_keys(user):
            raise CommandError("Name an active analyst or administrator with --by.")
        return user

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            self._create(**options)
        elif action == "list":
            for key in api_keys.keys_manageable(user=self._by(None)):
                whose = key.agency.short_name if key.agency else f"reader {key.holder.username}"
                expires = timezone.localtime(key.expires_at).date()
                self.stdout.write(f"{key.pk}\t{key.name}\t{whose}\t{key.state()}\texpires {expires}")
        else:
            key = ApiKey.objects.filter(pk=options["id"]).first()
            if key is None:
                raise CommandError(f"There is no API key {options['id']}.")
            api_keys.key_revoke(key=key, acting_user=self._by(options.get("by")))
            self.stdout.write(f"Revoked {key.pk} \u201c{key.name}\u201d.")

    def _create(
        self, *, name: str, agency: str | None, reader: str | None, days: int, by: str | None, quiet: bool, **_
    ) -> None:
        acting = self._by(by)
        kwargs: dict = {}
        if agency:
            found = Agency.objects.filter(short_name=agency).first()
            if found is None:
                raise CommandError(f"No agency has the short name {agency!r}.")
            kwargs = {"kind": ApiKeyKind.AGENCY, "agency": found}
        else:
            holder = User.objects.filter(username=reader).first()
            if holder is None:
                raise CommandError(f"No one has the user name {reader!r}.")
            kwargs = {"kind": ApiKeyKind.READER, "holder": holder}
        try:
            made = api_keys.key_create(
                acting_user=acting, name=name, expires_on=timezone.localdate() + timedelta(days=days), **kwargs
            )
        except api_keys.KeyRefused as refused:
            raise CommandError(str(refused)) from refused
        if quiet:
            self.stdout.write(made.secret)
            return
        self.stdout.write(
            f"API key {made.key.pk} \u201c{made.key.name}\u201d, works until the end of "
            f"{timezone.localtime(made.key.expires_at - timedelta(seconds=1)):%d %B %Y}:"
        )
        self.stdout.write(made.secret)
        self.stdout.write("Copy it now: it is not shown again. Send it as 'Authorization: Bearer <key>'.")
