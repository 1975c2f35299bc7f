"""Downloading an attachment: for the applicant's organisation and for staff, 404 for anyone
else. The file is always offered as a download, never shown inline, so a crafted PDF cannot
run in this site's pages."""

import io

from flask import Blueprint, send_file
from flask_login import current_user

from grants.access import login_required
from grants.i18n import translated
from grants.services.attachments import document_kinds, size_text, visible_attachment

bp = Blueprint("attachments", __name__)


@bp.get("/bijlagen/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = visible_attachment(attachment_id, current_user)
    response = send_file(io.BytesIO(attachment.content), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.filename,
                         etag=attachment.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.app_template_filter("attachment_size")
def attachment_size(size: int) -> str:
    return size_text(size)


@bp.app_template_global("document_label")
def document_label(attachment) -> str:
    """Which named document of its scheme an attachment is (RIF: "actieplan"), if any."""
    if not attachment.document_kind:
        return ""
    label = translated(document_kinds(attachment.application).get(attachment.document_kind))
    return label[:1].upper() + label[1:]
