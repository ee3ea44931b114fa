"""Bodies read within limits: their nesting is measured in linear time before JSON parsing."""

from __future__ import annotations

import time

import pytest

from bot.http.bodies import MAX_JSON_DEPTH, BadBody, nesting_depth, parse_json


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]]", {"\\"[": "{"}]', 2),  # brackets inside strings do not count
        ('"unclosed [[[[', 0),
        ("[" * 50, 50),
    ],
)
def test_nesting_is_counted_outside_strings(text: str, depth: int) -> None:
    assert nesting_depth(text, give_up_above=100) == depth


def test_a_body_nested_deeper_than_the_limit_is_refused_before_parsing() -> None:
    with pytest.raises(BadBody) as refused:
        parse_json(b"[" * 100_000)  # json.loads would raise RecursionError
    assert refused.value.problem == "too_deep"
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"\xff{}", "not_utf8"), (b"{", "not_json"), (b"1" * 5000, "not_json"), (b"", "not_json")],
)
def test_other_bad_bodies_name_their_problem(body: bytes, problem: str) -> None:
    with pytest.raises(BadBody) as refused:
        parse_json(body)
    assert refused.value.problem == problem


def test_strings_come_back_storable() -> None:
    body = b'{"t\\u0000": ["cat \\ud800 dog", "\\ud83d\\ude00"]}'
    assert parse_json(body) == {"t": ["cat  dog", "😀"]}


@pytest.mark.parametrize(
    "shape", ['"\\"' * 20_000, '"' * 40_000, "[" + '"a",' * 10_000 + "]", "{" * 40_000]
)
def test_the_scan_stays_linear_on_hostile_shapes(shape: str) -> None:
    plain = "a" * len(shape)
    start = time.perf_counter()
    nesting_depth(plain, MAX_JSON_DEPTH)
    reference = time.perf_counter() - start
    start = time.perf_counter()
    nesting_depth(shape, MAX_JSON_DEPTH)
    # A bound, not a timing: a quadratic scan of 40,000 characters is ~10,000x slower.
    assert time.perf_counter() - start < 200 * reference + 0.05
