"""`thaidraw eval` on the smoke models: the table, the report, and what the report shows."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result
from PIL import Image

from generator.evaluation.prompts import builtin_prompts, read_prompts
from generator.pictures import read_recipe
from storage.database import Database
from tests.generator.thclip.commands import single_torch_thread, thaidraw
from tests.storage.builders import new_job

PROMPTS = (
    "th\ten\tlength\n"
    "คฤหาสน์ แฟนตาซี\ta fantasy mansion\tshort\n"
    "แมวสีส้ม\tan orange cat\tshort\n"
    "ช้างเดินผ่านทุ่งนาสีเขียวในตอนเช้าที่มีหมอก\tan elephant in misty rice fields\tlong\n"
)
SMALL_RUN = ("--seeds", "2", "--steps", "2", "--size", "64", "--cutn", "2", "--models", "smoke",
             "--device", "cpu")  # fmt: skip


class Images(HTMLParser):
    """The `src` of every <img> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")


def image_sources(page: Path) -> list[str]:
    parser = Images()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.sources


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """People drew one of the prompts and liked it (two up, one down)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('data') / 'thaidraw.db'}"
    with Database.open(url) as database:
        users = [database.users.get_or_create("line", str(n)).id for n in range(3)]
        job = new_job(database, users[0], "แมวสีส้ม")
        for user, value in zip(users, (1, 1, -1), strict=True):
            database.feedback.record(
                job_id=job.id, user_id=user, platform="line", kind="postback",
                label="vote", value=value,
            )  # fmt: skip
    return url


@pytest.fixture(scope="module")
def report(
    weights_dir: Path, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Result, Path]:
    folder = tmp_path_factory.mktemp("eval")
    prompts = folder / "prompts.tsv"
    prompts.write_text(PROMPTS, encoding="utf-8")
    out = folder / "report"
    with single_torch_thread():
        result = thaidraw(
            "eval", str(prompts), "--out", str(out), *SMALL_RUN,
            weights_dir=weights_dir, DATABASE_URL=database_url,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result, out


def test_the_command_prints_the_short_and_long_summary(report: tuple[Result, Path]) -> None:
    result, out = report
    lines = result.output.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("prompts ")))
    assert lines[header].split() == [
        "prompts", "count", "pictures", "CLIP", "th", "CLIP", "en", "aesthetic", "diversity",
    ]  # fmt: skip
    rows = [line.split() for line in lines[header + 1 : header + 4]]
    assert [row[:3] for row in rows] == [["short", "2", "4"], ["long", "1", "2"], ["all", "3", "6"]]
    assert all(float(cell) == float(cell) for row in rows for cell in row[3:])  # all figures
    assert lines[-1] == f"report: {out / 'index.html'}"


def test_the_command_prints_approval_from_stored_feedback(report: tuple[Result, Path]) -> None:
    result, _ = report
    assert "approval from stored feedback (sqlite:///" in result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line}
    assert rows["all"][:4] == ["1", "2", "1", "67%"]
    assert rows["แมวสีส้ม"] == ["1", "2", "1", "67%"]


def test_the_report_shows_every_picture_each_once(report: tuple[Result, Path]) -> None:
    _, out = report
    sources = image_sources(out / "index.html")
    assert len(sources) == len(set(sources)) == 6
    for source in sources:
        with Image.open(out / source) as image:
            assert image.size == (64, 64)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "ช้างเดินผ่านทุ่งนาสีเขียวในตอนเช้าที่มีหมอก" in page
    assert "an elephant in misty rice fields" in page
    assert "Smoke models" in page
    assert 'id="approval"' in page


def test_the_figures_are_also_written_for_programs(report: tuple[Result, Path]) -> None:
    _, out = report
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [prompt["length"] for prompt in results["prompts"]] == ["short", "short", "long"]
    assert results["settings"]["seeds"] == [0, 1]
    assert results["models"]["kind"] == "smoke"
    for prompt in results["prompts"]:
        assert isinstance(prompt["diversity"], float)
        for picture in prompt["pictures"]:
            assert {"seed", "file", "clip_prompt", "clip_gloss", "aesthetic"} <= set(picture)
            assert isinstance(picture["clip_gloss"], float)  # the smoke CLIP reads English


@pytest.mark.browser
def test_the_report_opens_in_a_browser_with_every_picture_loaded(
    report: tuple[Result, Path],
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium is not installed")
    _, out = report
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page()
            page.goto((out / "index.html").as_uri())
            page.wait_for_load_state("load")
            loaded = page.evaluate(
                "Array.from(document.images).map(image => image.complete && image.naturalWidth)"
            )
            title = page.title()
        finally:
            browser.close()
    assert loaded == [64] * 6
    assert title == "ThaiDraw picture evaluation"


def test_without_a_prompts_file_the_built_in_set_is_drawn(
    weights_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    result = thaidraw(
        "eval", "--out", str(out), "--limit", "1", *SMALL_RUN, "--seeds", "1",
        weights_dir=weights_dir, DATABASE_URL=None, THAIDRAW_DATA_DIR=str(tmp_path / "data"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first = read_prompts(builtin_prompts())[0]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [prompt["th"] for prompt in results["prompts"]] == [first.thai]
    assert "stored feedback: no database configured" in result.output


def test_a_bad_prompts_file_is_one_clear_line(weights_dir: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.tsv"
    prompts.write_text("th\tlength\nแมว\tmedium\n", encoding="utf-8")
    result = thaidraw(
        "eval", str(prompts), "--out", str(tmp_path / "report"), *SMALL_RUN,
        weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "prompts.tsv:2: length must be short or long, not 'medium'" in result.output
    assert not (tmp_path / "report").exists()


@pytest.fixture(scope="module")
def varied(weights_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    folder = tmp_path_factory.mktemp("vary")
    prompts = folder / "prompts.tsv"
    prompts.write_text(PROMPTS, encoding="utf-8")
    out = folder / "report"
    with single_torch_thread():
        result = thaidraw(
            "eval", str(prompts), "--out", str(out), *SMALL_RUN, "--limit", "2",
            "--vary", "augment=original,sharp", "--no-feedback",
            weights_dir=weights_dir,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result, out


def test_vary_draws_every_prompt_and_seed_under_each_value(varied: tuple[Result, Path]) -> None:
    _, out = varied
    for value in ("original", "sharp"):
        results = json.loads((out / f"augment-{value}" / "results.json").read_text())
        assert results["settings"]["augment"] == value
        assert [len(prompt["pictures"]) for prompt in results["prompts"]] == [2, 2]
        recipe = read_recipe(
            out / f"augment-{value}" / results["prompts"][0]["pictures"][0]["file"]
        )
        assert recipe["request"]["augment"] == value


def test_vary_prints_the_values_side_by_side_with_one_verdict(varied: tuple[Result, Path]) -> None:
    result, out = varied
    lines = result.output.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("augment ")))
    rows = [line.split() for line in lines[header + 1 : header + 3]]
    assert [row[:2] for row in rows] == [["original", "4"], ["sharp", "4"]]
    assert all(float(cell) == float(cell) for row in rows for cell in row[2:])
    (verdict,) = [line for line in lines if line.startswith("verdict: ")]
    assert "augment=original" in verdict
    assert "augment=sharp" in verdict
    comparison = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert [value["value"] for value in comparison["values"]] == ["original", "sharp"]
    assert comparison["verdict"] == verdict


def test_a_vary_that_cannot_be_read_is_refused_before_drawing(weights_dir, tmp_path) -> None:
    result = thaidraw(
        "eval", "--out", str(tmp_path / "report"), *SMALL_RUN, "--vary", "augment=blurry,sharp",
        weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'blurry' is not one of original, sharp" in result.output
    assert not (tmp_path / "report").exists()
