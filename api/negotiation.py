"""The API speaks JSON whatever a client's Accept says (errors as problem+json), rather than answering 406."""

from rest_framework.negotiation import BaseContentNegotiation


class JsonOnly(BaseContentNegotiation):
    def select_parser(self, request, parsers):
        return next((p for p in parsers if request.content_type.startswith(p.media_type)), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
