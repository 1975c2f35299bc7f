import pytest

from grants.identifiers import InvalidIdentifier, normalise_kvk
from grants.money import InvalidAmount, cents_to_api, euros, format_eur

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize(("cents", "shown"), [
    (123456789, "€\xa01.234.567,89"), (0, "€\xa00,00"), (5, "€\xa00,05"),
    (600_000_000_00, "€\xa0600.000.000,00"),
])
def test_dutch_notation(cents, shown):
    assert format_eur(cents) == shown


def test_api_amounts_are_decimal_strings():
    assert cents_to_api(270000) == "2700.00"
    assert cents_to_api(1) == "0.01"
    assert euros("2700.00") == 270000
    assert euros("0.1") == 10
    assert euros(205_000_000) == 20_500_000_000


@pytest.mark.parametrize("bad", ["12.345", "1,5", "abc", "", "1e5", " . "])
def test_bad_amounts_are_refused(bad):
    with pytest.raises(InvalidAmount):
        euros(bad)


@pytest.mark.parametrize(("given", "kept"), [
    ("12345678", "12345678"), ("1234 5678", "12345678"), ("12.34.56.78", "12345678"),
])
def test_kvk_numbers_are_normalised(given, kept):
    assert normalise_kvk(given) == kept


@pytest.mark.parametrize("bad", ["1234567", "123456789", "1234567a", "00000000", ""])
def test_bad_kvk_numbers_are_refused(bad):
    with pytest.raises(InvalidIdentifier):
        normalise_kvk(bad)


def test_letters_get_a_postal_address_in_postnl_style():
    from grants.models import Organisation

    organisation = Organisation(name="Werkgevers Noord", address="Postbus 1120",
                                postcode="9701bc", city="Groningen")
    assert organisation.postal_lines == ["Postbus 1120", "9701 BC  GRONINGEN"]
    assert Organisation(name="Zonder adres").postal_lines == []
    with pytest.raises(ValueError, match="postcode"):
        Organisation(postcode="97011BC")
