from __future__ import annotations

import os
import re

from django import forms

from agencies.plain_forms import PlainMessages

from . import spreadsheets


class UploadForm(PlainMessages, forms.Form):
    """The file only: never the agency, the quarter or the version, which come from the return itself."""

    file = forms.FileField(
        label="Spreadsheet file (.xlsx or .csv)",
        allow_empty_file=False,
        error_messages={
            "required": "Choose the spreadsheet file to upload.",
            "empty": "The file is empty. Choose the filled-in template file.",
            "invalid": "No file was received. Choose the spreadsheet file and try again.",
        },
        widget=forms.FileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
                "aria-describedby": "file-hint",
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked from the size the upload handler counted, before the content is read or stored.
        if upload.size > spreadsheets.MAX_BYTES:
            raise forms.ValidationError(spreadsheets.too_big_message(upload.size))
        return upload

    def file_name(self) -> str:
        """The file's own name, without any path a browser sent, control characters, or excess length."""
        name = os.path.basename((self.cleaned_data["file"].name or "").replace("\\", "/"))
        name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
        return (name or "upload")[-255:]

    def mark_invalid(self) -> None:
        attrs = self.fields["file"].widget.attrs
        attrs["class"] = "form-control is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = "file-hint file-problems"
