"""Password rules (issue 14): at least 12 characters, not a common password, not the e-mail
address; hashed with scrypt, and older hashes keep working."""

import pytest
from werkzeug.security import generate_password_hash

from grants.services.accounts import check_password_rules, hash_password
from tests.conftest import login
from tests.factories import UserFactory

EMAIL = "jan.jansen@example.nl"


def test_a_long_uncommon_password_passes():
    assert check_password_rules("zeven blauwe fietsen", EMAIL) == []


@pytest.mark.parametrize("password", [
    "kort1234567",  # 11 characters: one short of 12
    "a",
])
def test_fewer_than_twelve_characters_are_refused(password):
    assert any("minstens 12 tekens" in problem
               for problem in check_password_rules(password, EMAIL))


def test_twelve_characters_are_enough():
    # 12 characters exactly, the minimum of the rule.
    assert check_password_rules("vlk3-mrp9-tx", EMAIL) == []


@pytest.mark.parametrize("password", [
    "baseball1234",  # on the list (baseball), 12 characters with the digits
    "PASSWORD1234",  # the list is checked without regard to case
    "Welkom2024!!!",  # "welkom" once the decoration around it is taken off
    "qwertyqwerty",  # one short piece over and over
    "abcabcabcabc",
    "111111111111",
])
def test_common_passwords_are_refused(password):
    assert any("te bekend" in problem for problem in check_password_rules(password, EMAIL))


@pytest.mark.parametrize("password", [
    "ikben jan.jansen@example.nl",  # the whole address
    "Jan.Jansen-wachtwoord",  # its local part, in other case
])
def test_a_password_containing_the_email_address_is_refused(password):
    assert any("e-mailadres" in problem for problem in check_password_rules(password, EMAIL))


def test_leading_or_trailing_spaces_are_refused():
    assert any("spatie" in problem
               for problem in check_password_rules(" zeven blauwe fietsen", EMAIL))


def test_new_hashes_are_scrypt():
    assert hash_password("zeven blauwe fietsen").startswith("scrypt:")


def test_a_user_with_an_older_pbkdf2_hash_still_logs_in(client):
    user = UserFactory(password_hash=generate_password_hash("oude fiets van opa",
                                                            method="pbkdf2:sha256"))
    assert login(client, user.email, "oude fiets van opa").status_code == 302
