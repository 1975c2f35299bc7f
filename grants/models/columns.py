"""Column helpers shared by the model modules."""

from enum import StrEnum

import sqlalchemy as sa


def enum_type(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A VARCHAR with a CHECK constraint holding the enum's values: the same on both databases."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls) + 8,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
