"""The organisation's own details: postal address and IBAN, kept by its applicants. A new IBAN
waits until a colleague (or the ministry) confirms it; colleagues confirm or reject it here,
and the one who asked for it may withdraw it."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.iban_changes import IbanConfirmForm, IbanRejectForm, IbanWithdrawForm
from grants.forms.organisation import OrganisationForm
from grants.models import Organisation, Role
from grants.services import iban_changes as iban_service
from grants.services import organisations as organisation_service
from grants.views.errors import MESSAGES
from grants.views.portal import actor, bp

# The reject form's reason gets an id of its own on a page that has other forms.
REJECT = "afwijzen"


def _organisation_page(organisation: Organisation, form: OrganisationForm, status: int = 200,
                       reject_form: IbanRejectForm | None = None):
    change = iban_service.pending_change(organisation)
    reject_form = reject_form or IbanRejectForm(formdata=None, prefix=REJECT)
    user = actor()
    return render_template(
        "portal/organisation.html", organisation=organisation, form=form,
        summary=form.error_summary() + reject_form.error_summary(),
        iban=organisation_service.format_iban(organisation.iban), change=change,
        new_iban=organisation_service.format_iban(change.new_iban) if change else "",
        may_decide=change is not None and iban_service.may_decide(change, user),
        may_withdraw=change is not None and iban_service.may_withdraw(change, user),
        confirm_form=IbanConfirmForm(formdata=None), reject_form=reject_form,
        withdraw_form=IbanWithdrawForm(formdata=None)), status


def _own_organisation() -> Organisation:
    organisation = current_user.organisation
    if organisation is None:
        raise NotFound(MESSAGES[404])
    return organisation


def _details_form(organisation: Organisation) -> OrganisationForm:
    return OrganisationForm(formdata=None, data={
        "contact_name": organisation.contact_name,
        "address": organisation.address, "postcode": organisation.postcode,
        "city": organisation.city,
        "iban": organisation_service.format_iban(organisation.iban)})


@bp.route("/organisatie", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def organisation():
    organisation = _own_organisation()
    if request.method == "GET":
        return _organisation_page(organisation, _details_form(organisation))
    form = OrganisationForm()
    if not form.validate():
        return _organisation_page(organisation, form, status=422)
    try:
        saved = organisation_service.change_details(
            organisation, actor=actor(), now=now(), address=form.address.data,
            postcode=form.postcode.data, city=form.city.data, iban=form.iban.data,
            contact_name=form.contact_name.data)
    except ValidationFailed as refused:
        db.session.rollback()
        for name, messages in refused.fields.items():
            form[name].errors = [*form[name].errors, *messages]
        return _organisation_page(current_user.organisation, form, status=422)
    db.session.commit()
    if saved.changed:
        flash(_("De gegevens van %(organisation)s zijn bewaard.",
                organisation=organisation.name), "success")
    if saved.iban_change is not None:
        flash(_("Het nieuwe IBAN wacht op bevestiging door een collega of het ministerie. Tot "
                "dan betalen wij op het huidige IBAN. Alle gebruikers van %(organisation)s "
                "krijgen hierover een e-mail.", organisation=organisation.name), "success")
    if not saved.changed and saved.iban_change is None:
        flash(_("Er was niets gewijzigd."), "info")
    return redirect(url_for(".organisation"), 303)


def _decided(action, message: str):
    """Run a step on a change of the applicant's own organisation; a change that no longer
    waits (someone else was first) is told, not an error page."""
    try:
        action()
    except Conflict as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".organisation"), 303)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".organisation"), 303)


@bp.post("/organisatie/iban/<int:change_id>/bevestigen")
@role_required(Role.APPLICANT)
def confirm_iban_change(change_id: int):
    iban_service.visible_change(change_id, actor())
    return _decided(lambda: iban_service.confirm_iban_change(change_id, actor=actor(),
                                                             now=now()),
                    _("Het nieuwe IBAN is bevestigd: vanaf nu betalen wij daarop."))


@bp.post("/organisatie/iban/<int:change_id>/afwijzen")
@role_required(Role.APPLICANT)
def reject_iban_change(change_id: int):
    iban_service.visible_change(change_id, actor())
    form = IbanRejectForm(prefix=REJECT)
    try:
        return _decided(lambda: iban_service.reject_iban_change(
            change_id, actor=actor(), now=now(), reason=form.reason.data or ""),
            _("De wijziging van het IBAN is afgewezen: het IBAN blijft zoals het was."))
    except ValidationFailed as refused:
        db.session.rollback()
        form.add_service_errors(refused.fields)
        organisation = _own_organisation()
        return _organisation_page(organisation, _details_form(organisation), status=422,
                                  reject_form=form)


@bp.post("/organisatie/iban/<int:change_id>/intrekken")
@role_required(Role.APPLICANT)
def withdraw_iban_change(change_id: int):
    iban_service.visible_change(change_id, actor())
    return _decided(lambda: iban_service.withdraw_iban_change(change_id, actor=actor(),
                                                              now=now()),
                    _("U hebt de wijziging van het IBAN ingetrokken."))
