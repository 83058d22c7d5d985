"""/api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from our own static files) and the endpoints under /api/v1/.

Every view here is `login_not_required`: the API's key, not a session, says who is asking (api.authentication)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"


class IndicatorCode:
    """An indicator code in an address: letters, digits, - and _ (anything else is the catch-all's 404)."""

    regex = views.CODE

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IndicatorCode, "indicator_code")


def _open(view):
    return login_not_required(view)


urlpatterns = [
    path("schema/", _open(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        _open(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html", throttle_classes=[]
            )
        ),
        name="docs",
    ),
    path("v1/me/", _open(views.MeView.as_view()), name="me"),
    path("v1/indicators/", _open(views.IndicatorList.as_view()), name="indicators"),
    path("v1/indicators/<indicator_code:code>/", _open(views.IndicatorDetail.as_view()), name="indicator"),
    path("v1/quarters/", _open(views.QuarterList.as_view()), name="quarters"),
    path("v1/returns/", _open(views.ReturnList.as_view()), name="returns"),
    path("v1/returns/<int:pk>/", _open(views.ReturnDetail.as_view()), name="return_detail"),
    path("v1/returns/<int:pk>/values/", _open(views.ReturnValues.as_view()), name="return_values"),
    path("v1/returns/<int:pk>/submit/", _open(views.ReturnSubmit.as_view()), name="return_submit"),
    path("v1/returns/<int:pk>/history/", _open(views.ReturnHistory.as_view()), name="return_history"),
    path("v1/dataset/", _open(views.DatasetView.as_view()), name="dataset"),
    re_path(r"^v1/", _open(views.NotFoundView.as_view())),  # anything else under v1: a problem, not an HTML 404
]
