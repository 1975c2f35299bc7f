"""The organisation's administrator's page for colleagues (/portaal/organisatie/collegas): who
has an account, the open invitations, inviting someone, revoking an invitation and deactivating
a colleague's account. An applicant who is not the administrator gets 403; an invitation or
colleague of another organisation 404 (grants.services.registration)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, ValidationFailed
from grants.extensions import db
from grants.forms.registration import InviteForm
from grants.mail.registration import send_invitation
from grants.models import Organisation, Role
from grants.services import registration as service
from grants.views.portal import actor, bp


def _page(organisation: Organisation, form: InviteForm, error: str | None = None,
          status: int = 200):
    moment = now()
    return render_template("portal/colleagues.html", organisation=organisation, form=form,
                           error=error, colleagues=service.colleagues(organisation),
                           invitations=service.open_invitations(organisation, moment),
                           me=actor()), status


@bp.route("/organisatie/collegas", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def colleagues():
    organisation = service.managed_organisation(actor())
    form = InviteForm()
    if not form.is_submitted():
        return _page(organisation, InviteForm(formdata=None))
    error = None
    if form.validate_on_submit():
        try:
            invitation, token = service.invite_colleague(
                organisation, actor=actor(), name=form.name.data or "",
                email=form.email.data or "", as_administrator=bool(form.as_administrator.data),
                now=now())
        except ValidationFailed as refused:
            db.session.rollback()
            loose = form.add_service_errors(refused.fields)
            error = " ".join([refused.message, *loose])
        else:
            send_invitation(invitation, token, now())
            db.session.commit()
            flash(_("%(name)s is uitgenodigd: de uitnodiging is naar %(email)s gestuurd en is 7 "
                    "dagen geldig.", name=invitation.name, email=invitation.email), "success")
            return redirect(url_for(".colleagues"), 303)
    return _page(service.managed_organisation(actor()), form, error, 422)


@bp.post("/organisatie/collegas/uitnodigingen/<int:invitation_id>/intrekken")
@role_required(Role.APPLICANT)
def revoke_invitation(invitation_id: int):
    organisation = service.managed_organisation(actor())
    try:
        invitation = service.revoke_invitation(organisation, invitation_id, actor=actor(),
                                               now=now())
    except Conflict as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(_("De uitnodiging van %(email)s is ingetrokken: de link werkt niet meer.",
                email=invitation.email), "success")
    return redirect(url_for(".colleagues"), 303)


@bp.post("/organisatie/collegas/<int:user_id>/deactiveren")
@role_required(Role.APPLICANT)
def deactivate_colleague(user_id: int):
    organisation = service.managed_organisation(actor())
    try:
        changed = service.deactivate_colleague(organisation, user_id, actor=actor(), now=now())
    except ValidationFailed as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(_("Het account is gedeactiveerd: deze collega kan niet meer inloggen.") if changed
              else _("Dit account was al gedeactiveerd."), "success" if changed else "info")
    return redirect(url_for(".colleagues"), 303)
