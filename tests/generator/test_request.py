"""The request every platform builds: the prompt syntax, the default negative, the limits."""

from __future__ import annotations

import pytest

from generator.request import (
    DEFAULT_NEGATIVE_WEIGHT,
    DEFAULT_NEGATIVES,
    DrawRequest,
    RequestError,
    RequestLimits,
    WeightedPrompt,
    build_request,
    read_decimal,
    split_weighted,
)

LIMITS = RequestLimits()
BLURRY = WeightedPrompt("ภาพเบลอ", 0.4)


def negatives(prompt: str = "แมว", **kwargs) -> tuple[WeightedPrompt, ...]:
    return build_request(prompt, LIMITS, **kwargs).negatives


def test_the_default_negative_is_the_original_apps_blurry_picture_at_0_4() -> None:
    assert (DEFAULT_NEGATIVE_WEIGHT, DEFAULT_NEGATIVES) == (0.4, (BLURRY,))
    assert negatives() == (BLURRY,)


def test_neg_weight_sets_the_default_negatives_weight() -> None:
    assert negatives(negative_weight=0.7) == (WeightedPrompt("ภาพเบลอ", 0.7),)


def test_a_negative_of_the_users_replaces_the_default() -> None:
    assert negatives(negatives=["หมา"]) == (WeightedPrompt("หมา", 0.4),)
    assert negatives("แมว | หมา:-0.5") == (WeightedPrompt("หมา", 0.5),)


@pytest.mark.parametrize("none", ["ไม่มี", "none", "None", " NONE "])
def test_none_or_mai_mee_leaves_no_negative_at_all(none: str) -> None:
    assert negatives(negatives=[none]) == ()


def test_none_beside_other_negatives_only_drops_the_default() -> None:
    assert negatives(negatives=["ไม่มี", "หมา"]) == (WeightedPrompt("หมา", 0.4),)
    assert negatives(negatives=["ไม่มี | หมา"]) == (WeightedPrompt("หมา", 0.4),)


def test_the_same_negative_typed_twice_is_one_negative_and_the_first_wins() -> None:
    assert negatives("แมว | ภาพเบลอ:-0.6", negatives=["ภาพเบลอ", "ภาพเบลอ:2"]) == (
        WeightedPrompt("ภาพเบลอ", 0.6),
    )


def test_the_default_negative_does_not_count_towards_the_length_limit() -> None:
    limits = RequestLimits(max_prompt_chars=10)
    assert build_request("ก" * 10, limits).negatives == (BLURRY,)
    with pytest.raises(RequestError, match="11 characters"):
        build_request("ก" * 10, limits, negatives=["ข"])


def test_a_default_negative_with_an_impossible_weight_is_refused() -> None:
    with pytest.raises(RequestError) as refused:
        build_request("แมว", LIMITS, negative_weight=-1)
    assert refused.value.thai == "น้ำหนักของ “ภาพเบลอ” ต้องอยู่ระหว่าง 0 ถึง 100"


@pytest.mark.parametrize(
    ("piece", "split"),
    [
        ("แมว:2", ("แมว", 2.0)),
        (" แมว : -0.5 ", ("แมว", -0.5)),
        ("เวลา 10:30", ("เวลา 10", 30.0)),
        ("แมว:", ("แมว:", None)),
        (":2", (":2", None)),
        ("แมว:1e9", ("แมว:1e9", None)),
        ("แมว:nan", ("แมว:nan", None)),
        ("a:" + "1" * 50 + "x", ("a:" + "1" * 50 + "x", None)),
    ],
)
def test_a_weight_is_a_number_after_the_last_colon(piece: str, split: tuple) -> None:
    assert split_weighted(piece) == split


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12.0), ("-0.5", -0.5), ("+.5", 0.5), ("3.", 3.0), ("1e9", None), ("", None)],
)
def test_a_decimal_is_digits_with_an_optional_sign_and_point(text: str, number) -> None:
    assert read_decimal(text) == number


def test_refusals_quote_a_long_prompt_in_short() -> None:
    with pytest.raises(RequestError) as refused:
        build_request("ก" * 5_000 + ":0", RequestLimits(max_prompt_chars=10_000))
    assert "ก" * 61 not in refused.value.thai
    assert "ก" * 61 not in refused.value.english


def test_the_augmentations_are_the_original_apps_unless_asked_otherwise() -> None:
    assert build_request("แมว", LIMITS).augment == "original"
    assert build_request("แมว", LIMITS, augment="sharp").augment == "sharp"


def test_an_unknown_augment_is_refused_naming_the_choices() -> None:
    with pytest.raises(RequestError) as refused:
        build_request("แมว", LIMITS, augment="blurry")
    assert refused.value.field == "augment"
    assert "original" in refused.value.thai
    assert refused.value.english.startswith("unknown augment 'blurry'; choose original or sharp")


def test_the_augment_travels_in_the_request_dict_and_old_dicts_get_the_default() -> None:
    request = build_request("แมว", LIMITS, augment="sharp")
    assert request.to_dict()["augment"] == "sharp"
    assert DrawRequest.from_dict(request.to_dict()) == request
    old = request.to_dict()
    del old["augment"]
    assert DrawRequest.from_dict(old).augment == "original"
