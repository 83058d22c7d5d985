from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import access, selectors


def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agency_list(user=request.user)
    return render(
        request,
        "agencies/list.html",
        {"agencies": agencies, "partnership_people": selectors.partnership_people(user=request.user)},
    )


def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_for_read(user=request.user, pk=pk)  # outside the user's scope: 404
    return render(
        request,
        "agencies/detail.html",
        {"agency": agency, "can_edit": access.can_edit(request.user, agency)},
    )
