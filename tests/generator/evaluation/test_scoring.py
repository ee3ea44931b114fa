"""Picture figures in a world where pictures are colours and words name colours."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from generator.evaluation.scoring import PictureScorer, diversity
from generator.request import WeightedPrompt
from tests.generator.colour_world import ColourTextEncoder, colour_bundle

CPU = torch.device("cpu")
RED, GREEN = (255, 0, 0), (0, 255, 0)


def scorer(gloss_encoder=None) -> PictureScorer:
    return PictureScorer(colour_bundle(), CPU, gloss_encoder)


def solid(colour: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> Image.Image:
    return Image.new("RGB", size, colour)


def test_a_picture_scores_higher_against_the_prompt_it_shows() -> None:
    pictures = scorer()
    embeddings = pictures.image_embeddings([solid(RED), solid(GREEN)])
    red, green = pictures.score(embeddings, [WeightedPrompt("แดง", 1.0)], gloss=None)
    assert red.clip_prompt > 0.9 > green.clip_prompt
    assert red.clip_gloss is None


def test_several_prompts_count_by_their_weights() -> None:
    pictures = scorer()
    embeddings = pictures.image_embeddings([solid(RED)])
    only_red = pictures.score(embeddings, [WeightedPrompt("แดง", 1.0)], None)[0].clip_prompt
    only_green = pictures.score(embeddings, [WeightedPrompt("เขียว", 1.0)], None)[0].clip_prompt
    mixed = pictures.score(
        embeddings, [WeightedPrompt("แดง", 3.0), WeightedPrompt("เขียว", 1.0)], None
    )[0].clip_prompt
    assert mixed == pytest.approx((3 * only_red + only_green) / 4)


def test_the_gloss_is_scored_by_its_own_encoder() -> None:
    pictures = scorer(gloss_encoder=ColourTextEncoder())
    embeddings = pictures.image_embeddings([solid(GREEN)])
    (green,) = pictures.score(embeddings, [WeightedPrompt("แดง", 1.0)], gloss="เขียว")
    assert green.clip_gloss > 0.9 > green.clip_prompt


def test_the_aesthetic_score_comes_from_the_head() -> None:
    """The colour world's head likes bright pictures."""
    pictures = scorer()
    embeddings = pictures.image_embeddings([solid((250, 250, 250)), solid((5, 5, 5))])
    bright, dark = pictures.score(embeddings, [WeightedPrompt("ขาว", 1.0)], None)
    assert bright.aesthetic > dark.aesthetic


def test_a_wide_picture_is_judged_by_its_centre_as_clip_sees_it() -> None:
    wide = Image.new("RGB", (192, 64), GREEN)
    wide.paste(solid(RED), (64, 0))
    pictures = scorer()
    (centre,) = pictures.score(
        pictures.image_embeddings([wide]), [WeightedPrompt("แดง", 1.0)], None
    )
    assert centre.clip_prompt > 0.99


def test_diversity_is_zero_for_the_same_picture_and_grows_as_they_differ() -> None:
    same = torch.nn.functional.normalize(torch.ones(3, 4), dim=-1)
    assert diversity(same) == pytest.approx(0.0, abs=1e-6)
    assert diversity(torch.eye(3)) == pytest.approx(1.0)
    assert diversity(torch.eye(3)[:1]) is None
