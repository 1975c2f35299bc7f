"""The admin's pages for the register of organisations (/beheer/organisaties): the list, a new
organisation, correcting one, verifying one that registered itself, and deactivating one (or
making it active again) with a reason. Added to the admin blueprint; the rules live in
grants.services.organisations."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, ValidationFailed
from grants.extensions import db
from grants.forms.organisation import (
    AdminOrganisationForm,
    OrganisationStatusForm,
    VerifyOrganisationForm,
)
from grants.forms.registration import InviteForm
from grants.i18n import translated
from grants.mail.registration import send_invitation
from grants.models import (
    ORGANISATION_KIND_LABELS,
    ORGANISATION_STATUS_LABELS,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
)
from grants.services import organisations as service
from grants.services import registration as registration_service
from grants.views.admin import _actor, _attempt, admin_data
from grants.views.admin import bp as admin
from grants.views.admin_iban_changes import iban_change_panel

PER_PAGE = 50
# The verification's fields get ids of their own: the page also has the status form's reason.
VERIFY = "controle"
# And the invitation's: the page's other forms have a name field too.
INVITE = "uitnodiging"


@admin.get("/organisaties")
@role_required(Role.ADMIN)
def organisations():
    status = request.args.get("status", "")
    if status not in {member.value for member in OrganisationStatus}:
        status = ""
    search = request.args.get("q", "").strip()
    page = db.paginate(service.visible_organisations(_actor(), status=status or None,
                                                     search=search),
                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    pending = db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(
        Organisation.status == OrganisationStatus.PENDING))
    return render_template("admin/organisations.html", organisations=page, status=status,
                           search=search, pending=pending,
                           statuses=ORGANISATION_STATUS_LABELS)


def _form_page(form: AdminOrganisationForm, organisation: Organisation | None = None,
               error: str | None = None):
    return render_template("admin/organisation_form.html", form=form,
                           organisation=organisation, error=error)


def _fields(form: AdminOrganisationForm) -> dict:
    return {name: form[name].data or "" for name in (
        "name", "kvk", "kind", "region", "contact_name", "address", "postcode", "city", "iban")}


@admin.route("/organisaties/nieuw", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_organisation():
    if request.method == "GET":
        return _form_page(AdminOrganisationForm(formdata=None))
    form = AdminOrganisationForm()
    organisation, error = _attempt(form, lambda: service.create_organisation(
        actor=_actor(), now=now(), **_fields(form)))
    if organisation is None:
        return _form_page(form, error=error), 422
    db.session.commit()
    flash(_("%(name)s is aangemaakt en gecontroleerd.", name=organisation.name), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id), 303)


def _organisation_page(organisation: Organisation, *, status: int = 200,
                       verify_form: VerifyOrganisationForm | None = None,
                       status_form: OrganisationStatusForm | None = None,
                       invite_form: InviteForm | None = None,
                       error: str | None = None):
    return render_template(
        "admin/organisation.html", organisation=organisation,
        iban=service.format_iban(organisation.iban),
        **iban_change_panel(organisation, _actor()),
        users=service.organisation_users(organisation),
        events=service.organisation_events(organisation),
        verify_form=verify_form or VerifyOrganisationForm(formdata=None, prefix=VERIFY),
        status_form=status_form or OrganisationStatusForm(formdata=None),
        invite_form=invite_form or InviteForm(formdata=None, prefix=INVITE),
        invitations=registration_service.open_invitations(organisation, now()),
        error=error), status


@admin.get("/organisaties/<int:organisation_id>")
@role_required(Role.ADMIN)
def organisation(organisation_id: int):
    return _organisation_page(service.get_organisation(organisation_id))


@admin.route("/organisaties/<int:organisation_id>/wijzigen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_organisation(organisation_id: int):
    organisation = service.get_organisation(organisation_id)
    if request.method == "GET":
        form = AdminOrganisationForm(formdata=None, data={
            "name": organisation.name, "kvk": organisation.kvk,
            "kind": organisation.kind.value, "region": organisation.region.value,
            "contact_name": organisation.contact_name, "address": organisation.address,
            "postcode": organisation.postcode, "city": organisation.city,
            "iban": service.format_iban(organisation.iban)})
        return _form_page(form, organisation)
    form = AdminOrganisationForm()
    saved, error = _attempt(form, lambda: service.update_organisation(
        organisation, actor=_actor(), now=now(), **_fields(form)))
    if saved is None:
        return _form_page(form, service.get_organisation(organisation_id), error), 422
    db.session.commit()
    if saved.changed:
        flash(_("De gegevens van %(name)s zijn bewaard.", name=organisation.name), "success")
    if saved.iban_change is not None:
        flash(_("Het nieuwe IBAN van %(name)s wacht op bevestiging door een ander: een "
                "gebruiker van de organisatie, of een andere beheerder of medewerker "
                "financiën.", name=organisation.name), "success")
    if not saved.changed and saved.iban_change is None:
        flash(_("Er was niets gewijzigd."), "info")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id), 303)


@admin.post("/organisaties/<int:organisation_id>/controleren")
@role_required(Role.ADMIN)
def verify_organisation(organisation_id: int):
    organisation = service.get_organisation(organisation_id)
    form = VerifyOrganisationForm(prefix=VERIFY)
    try:
        verified, error = _attempt(form, lambda: service.verify_organisation(
            organisation, actor=_actor(), now=now(), signatory=form.signatory.data or "",
            kvk_checked=bool(form.kvk_checked.data),
            signatory_checked=bool(form.signatory_checked.data), reason=form.reason.data or ""))
    except Conflict as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("admin.organisation", organisation_id=organisation_id), 303)
    if verified is None:
        return _organisation_page(service.get_organisation(organisation_id), status=422,
                                  verify_form=form, error=error)
    db.session.commit()
    flash(_("%(name)s is gecontroleerd: de gebruikers kunnen nu aanvragen indienen.",
            name=organisation.name), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id), 303)


def _set_active(organisation_id: int, active: bool):
    organisation = service.get_organisation(organisation_id)
    form = OrganisationStatusForm()
    changed, error = _attempt(form, lambda: service.set_organisation_active(
        organisation, active, actor=_actor(), now=now(), reason=form.reason.data or ""))
    if changed is None:
        return _organisation_page(service.get_organisation(organisation_id), status=422,
                                  status_form=form, error=error)
    db.session.commit()
    if not changed:
        flash(_("%(name)s was al actief.", name=organisation.name) if active
              else _("%(name)s was al gedeactiveerd.", name=organisation.name), "info")
    elif active:
        flash(_("%(name)s is weer actief.", name=organisation.name), "success")
    else:
        flash(_("%(name)s is gedeactiveerd: de gebruikers kunnen geen aanvragen meer "
                "indienen.", name=organisation.name), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id), 303)


@admin.post("/organisaties/<int:organisation_id>/deactiveren")
@role_required(Role.ADMIN)
def deactivate_organisation(organisation_id: int):
    return _set_active(organisation_id, False)


@admin.post("/organisaties/<int:organisation_id>/activeren")
@role_required(Role.ADMIN)
def activate_organisation(organisation_id: int):
    return _set_active(organisation_id, True)


@admin.post("/organisaties/<int:organisation_id>/uitnodigen")
@role_required(Role.ADMIN)
def invite_colleague(organisation_id: int):
    """Staff invite someone to an organisation, e.g. when its only administrator left."""
    organisation = service.get_organisation(organisation_id)
    form = InviteForm(prefix=INVITE)
    made, error = _attempt(form, lambda: registration_service.invite_colleague(
        organisation, actor=_actor(), name=form.name.data or "", email=form.email.data or "",
        as_administrator=bool(form.as_administrator.data), now=now()))
    if made is None:
        return _organisation_page(service.get_organisation(organisation_id), status=422,
                                  invite_form=form, error=error)
    invitation, token = made
    send_invitation(invitation, token, now())
    db.session.commit()
    flash(_("%(name)s is uitgenodigd voor %(organisation)s: de uitnodiging is naar %(email)s "
            "gestuurd en is 7 dagen geldig.", name=invitation.name,
            organisation=organisation.name, email=invitation.email), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id), 303)


@admin.post("/organisaties/<int:organisation_id>/uitnodigingen/<int:invitation_id>/intrekken")
@role_required(Role.ADMIN)
def revoke_invitation(organisation_id: int, invitation_id: int):
    organisation = service.get_organisation(organisation_id)
    try:
        invitation = registration_service.revoke_invitation(
            organisation, invitation_id, actor=_actor(), now=now())
    except (Conflict, ValidationFailed) as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(_("De uitnodiging van %(email)s is ingetrokken: de link werkt niet meer.",
                email=invitation.email), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id), 303)


@admin.app_template_filter("organisation_event_rows")
def organisation_event_rows(event) -> list[tuple[str, str]]:
    """The log's rows for an event, plus what only the organisation's page names: the
    register's own fields and the check of the signatory."""
    labels = {"name": _("Naam"), "kvk": _("KvK-nummer"), "kind": _("Soort"),
              "region": _("Landsdeel")}

    def shown(field: str, value: str) -> str:
        if field == "kind" and value in {kind.value for kind in OrganisationKind}:
            return translated(ORGANISATION_KIND_LABELS[OrganisationKind(value)])
        return value or "—"

    data = event.data or {}
    rows = list(admin_data(event))
    for field, value in (data.get("registration") or {}).items():
        if field in labels:
            rows.append((labels[field], f"{shown(field, value[0])} → {shown(field, value[1])}"
                         if isinstance(value, list) else shown(field, value)))
    if data.get("signatory"):
        rows.append((_("Tekenbevoegde"), data["signatory"]))
    invitation = data.get("invitation") or {}
    if invitation.get("email"):
        rows.append((_("Uitgenodigd"), f"{invitation.get('name', '')} <{invitation['email']}>"
                     .strip()))
        if invitation.get("as_administrator"):
            rows.append((_("Rol"), _("Beheerder van de organisatie")))
    elif data.get("email"):
        rows.append((_("E-mailadres"), data["email"]))
    return rows
