"""Generated input a hostile or broken client might send (hypothesis strategies)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Every code point, surrogates and NUL included.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=400)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=10**400, max_value=10**401), st.floats())
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELD = st.one_of(ANY_TEXT, JSON_VALUES)
DRAW_FORMS = st.fixed_dictionaries(
    {},
    optional={
        name: FIELD for name in ("text", "negative", "styles", "steps", "size", "seed", "vote")
    },
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """A body as a client might send it, well-formed or not."""
    kind = draw(st.sampled_from(["form", "json", "bytes", "deep", "ascii-escaped"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2000))
    if kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=20_000))
        return draw(st.sampled_from(["[", '{"a":', '[{"b":'])).encode() * depth
    value: Any = draw(DRAW_FORMS) if kind == "form" else draw(JSON_VALUES)
    ascii_only = kind == "ascii-escaped"  # lone surrogates as \ud800 escapes
    # Without escapes, a lone surrogate becomes bytes that are no UTF-8 at all.
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    return text.encode("utf-8", "surrogatepass")
