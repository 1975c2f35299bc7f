"""Helpers for pages that show many rows (the work queue): what a row needs that is the same
for many rows is worked out once per request.

url_for, gettext and Babel's formatting each cost tens of microseconds a call, and a page of
50 rows calls them hundreds of times, mostly with values it has met before. Rendering such a
page was most of its time at 100,000 applications (issue 16).
"""

from flask import url_for

# An id no row has: its digits in the built address mark where each row's own id goes.
_MARK = 987_654_321_987


class IdUrl:
    """An endpoint's address for many ids, built once with url_for and filled in per id; the
    same text url_for gives (ids are integers, so nothing in them needs quoting)."""

    def __init__(self, endpoint: str, key: str, **values):
        built = url_for(endpoint, **{key: _MARK}, **values)
        self._head, _, self._tail = built.rpartition(str(_MARK))

    def __call__(self, value: int) -> str:
        return f"{self._head}{int(value)}{self._tail}"
