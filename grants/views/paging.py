"""Numbered pages of a list whose length the database counted: page 1 of 3, back and on."""

from dataclasses import dataclass

from flask import request

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def offset(self) -> int:
        return (self.number - 1) * PER_PAGE

    @property
    def limit(self) -> int:
        return PER_PAGE


def asked_page(total: int) -> Page:
    """The page ``?page=`` asks for among ``total`` rows; past the last one, the last one; not
    a positive number, the first."""
    asked = request.args.get("page", "")
    last = Page(1, total).pages
    return Page(min(int(asked), last) if asked.isdigit() and int(asked) > 0 else 1, total)
