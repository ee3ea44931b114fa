"""Input the page never sends: such a request is answered 400 and changes nothing."""

from __future__ import annotations


class FormError(ValueError):
    """A field of the wrong type or form; `field` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(f"bad field {field!r}")
        self.field = field
