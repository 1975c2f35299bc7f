"""The organisation's own details: postal address and IBAN, kept by its applicants."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.organisation import OrganisationForm
from grants.models import Organisation, Role
from grants.services import organisations as organisation_service
from grants.views.errors import MESSAGES
from grants.views.portal import actor, bp


def _organisation_page(organisation: Organisation, form: OrganisationForm, status: int = 200):
    return render_template("portal/organisation.html", organisation=organisation, form=form,
                           summary=form.error_summary(),
                           iban=organisation_service.format_iban(organisation.iban)), status


@bp.route("/organisatie", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def organisation():
    organisation = current_user.organisation
    if organisation is None:
        raise NotFound(MESSAGES[404])
    if request.method == "GET":
        form = OrganisationForm(formdata=None, data={
            "contact_name": organisation.contact_name,
            "address": organisation.address, "postcode": organisation.postcode,
            "city": organisation.city,
            "iban": organisation_service.format_iban(organisation.iban)})
        return _organisation_page(organisation, form)
    form = OrganisationForm()
    if not form.validate():
        return _organisation_page(organisation, form, status=422)
    try:
        changed = organisation_service.change_details(
            organisation, actor=actor(), now=now(), address=form.address.data,
            postcode=form.postcode.data, city=form.city.data, iban=form.iban.data,
            contact_name=form.contact_name.data)
    except ValidationFailed as refused:
        db.session.rollback()
        for name, messages in refused.fields.items():
            form[name].errors = [*form[name].errors, *messages]
        return _organisation_page(current_user.organisation, form, status=422)
    db.session.commit()
    flash(_("De gegevens van %(organisation)s zijn bewaard.", organisation=organisation.name)
          if changed else _("Er was niets gewijzigd."), "success" if changed else "info")
    return redirect(url_for(".organisation"), 303)
