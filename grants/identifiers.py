"""Checks for the public identifiers applicants give us."""

import re

_KVK_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidIdentifier(ValueError):
    pass


def normalise_kvk(value: str) -> str:
    """A KvK (Kamer van Koophandel) number: eight digits, not all zero.

    KvK numbers carry no check digit (the register dropped the 11-test when it ran out of
    numbers), so the format is all that can be verified offline.
    """
    digits = _KVK_SEPARATORS.sub("", value or "")
    if not re.fullmatch(r"\d{8}", digits):
        raise InvalidIdentifier("Een KvK-nummer bestaat uit 8 cijfers.")
    if digits == "00000000":
        raise InvalidIdentifier("00000000 is geen bestaand KvK-nummer.")
    return digits
