"""API fixtures: keys of each kind, and a client that sends one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agencies import api_keys
from agencies.models import ApiKeyKind


class Api:
    """A test client that sends `Authorization: Bearer <key>` (or nothing) and JSON bodies."""

    def __init__(self, secret: str | None = None) -> None:
        self.client = Client()
        self.secret = secret

    def _headers(self, headers: dict | None) -> dict:
        out = dict(headers or {})
        if self.secret is not None:
            out.setdefault("Authorization", f"Bearer {self.secret}")
        return out

    def get(self, url: str, headers: dict | None = None, **params):
        return self.client.get(url, params, headers=self._headers(headers))

    def send(self, method: str, url: str, body: object = None, headers: dict | None = None):
        data = json.dumps(body if body is not None else {})
        return getattr(self.client, method.lower())(
            url, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def put(self, url: str, body: object, headers: dict | None = None):
        return self.send("PUT", url, body, headers)

    def post(self, url: str, body: object, headers: dict | None = None):
        return self.send("POST", url, body, headers)


def make_key(by, *, agency=None, holder=None, name: str = "Test key", days: int = 30):
    kind = ApiKeyKind.AGENCY if agency is not None else ApiKeyKind.READER
    return api_keys.key_create(
        acting_user=by,
        name=name,
        kind=kind,
        agency=agency,
        holder=holder,
        expires_on=timezone.localdate() + timedelta(days=days),
    )


@pytest.fixture
def csc_key(analyst, csc):
    return make_key(analyst, agency=csc, name="Mosaic extract")


@pytest.fixture
def police_key(analyst, police):
    return make_key(analyst, agency=police, name="Police records")


@pytest.fixture
def reader_key(analyst, member):
    return make_key(analyst, holder=member, name="BI team")


@pytest.fixture
def csc_api(csc_key):
    return Api(csc_key.secret)


@pytest.fixture
def police_api(police_key):
    return Api(police_key.secret)


@pytest.fixture
def reader_api(reader_key):
    return Api(reader_key.secret)


@pytest.fixture
def anonymous_api(db):
    return Api()


# The returns fixtures (an open quarter, a two-indicator catalogue, CSC's and Police's returns) are the returns tests'.
from tests.dataset.conftest import (  # noqa: E402, F401
    catalogue,
    csc_return,
    earlier_periods,
    fill,
    n18,
    n28,
    open_period,
    police_return,
)
