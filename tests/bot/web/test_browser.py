"""The web page in headless Chromium (Debian's package), against a real `thaidraw serve` process
on the smoke models: draw, watch the progress, vote, and find the picture in the gallery.

Screenshots land in the test's temporary folder (desktop and phone sizes); with
THAIDRAW_TEST_SCREENSHOTS=docs/screens the README's pictures are retaken there too.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from generator.weights.layout import WeightsLayout
from tests.bot.running_bot import bot_environment, running_bot
from tests.bot.web.chromium import chromium_or_skip

pytestmark = pytest.mark.browser

SCRIPTS = Path(__file__).parent / "scripts"  # run in the page
README_PICTURES = {
    "draw-again": "web-draw-desktop.png",
    "draw-progress": "web-draw-progress.png",
    "dashboard": "web-dashboard.png",
    "phone-gallery": "web-gallery-phone.png",
}
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
JOB_TIMEOUT_MS = 120_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smoke_layout: WeightsLayout) -> Iterator[str]:
    """`thaidraw serve --models smoke` on a free loopback port; its address."""
    folder = tmp_path_factory.mktemp("serve")
    # The default preview interval: the first step is shown at once, then every 10th.
    environment = bot_environment(folder / "data", smoke_layout, THAIDRAW_PROGRESS_EVERY="10")
    with running_bot(environment, folder, "--models", "smoke", "--host", "127.0.0.1") as bot:
        yield bot.base_url


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    chromium = chromium_or_skip(request.config)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="th-TH")
    opened = context.new_page()
    yield opened
    context.close()


def draw(page: Page, text: str, *, styles: tuple[str, ...] = ()) -> None:
    page.fill("#prompt", text)
    for style in styles:
        page.locator(f"label.chip:has(input[value='{style}'])").click()
    page.click("button.draw-button")


def wait_for_picture(page: Page) -> str:
    """Waits until the job panel shows a finished picture; returns the job id."""
    expect(page.locator("#job")).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-image")).to_have_attribute("src", re.compile(r"^/images/.+\.png$"))
    page.wait_for_function("document.getElementById('job-image').naturalWidth > 0")
    return page.locator("#job").get_attribute("data-job") or ""


def snap(page: Page, folder: Path, name: str, *, full_page: bool = True) -> None:
    """A screenshot in `folder`; the README's pictures also where THAIDRAW_TEST_SCREENSHOTS says."""
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    readme_folder = os.environ.get("THAIDRAW_TEST_SCREENSHOTS")
    if readme_folder and name in README_PICTURES:
        shutil.copyfile(path, Path(readme_folder) / README_PICTURES[name])


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visitor_draws_watches_the_progress_votes_and_finds_the_picture_in_the_gallery(
    server: str, page: Page, tmp_path: Path
) -> None:
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text("อยากให้วาดอะไร")
    expect(page.locator("input[name=negative]")).to_have_value("ภาพเบลอ")
    expect(page.locator("label.chip")).to_have_count(15)
    snap(page, tmp_path, "draw-start", full_page=False)

    # Steps enough that the preview is still up when looked at (4 once ended first on a fast run).
    draw(page, "คฤหาสน์ แฟนตาซี --steps 30 --size 64", styles=("ภาพสวย",))
    expect(page.locator("#job")).to_be_visible()
    expect(page.locator("#job")).to_have_attribute(
        "data-step", re.compile(r"^[1-9]"), timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator("#job-image")).to_have_attribute("src", re.compile(r"^data:image/jpeg"))
    snap(page, tmp_path, "draw-progress", full_page=False)

    job_id = wait_for_picture(page)
    expect(page.locator("#job")).to_have_attribute("data-step", "30")  # the last step was shown
    assert page.url.endswith(f"/?job={job_id}")
    result = page.locator("#job-result")
    expect(result.locator("[data-field=prompt]")).to_have_text("คฤหาสน์ แฟนตาซี")
    expect(result.locator("[data-field=negative]")).to_have_text("ภาพเบลอ")
    expect(result.locator("[data-field=styles]")).to_have_text("ภาพสวย")
    expect(result.locator("[data-field=command]")).to_contain_text("--steps 30 --size 64x64")
    expect(result.locator("[data-link=download]")).to_have_attribute(
        "href", f"/images/{job_id}.png"
    )

    result.locator("[data-vote=up]").click()
    expect(result.locator("[data-count=up]")).to_have_text("1")
    expect(result.locator(".action-message")).to_have_text("ขอบคุณสำหรับความเห็น!")
    snap(page, tmp_path, "draw-done")

    page.click("nav >> text=แกลเลอรี")
    card = page.locator(".card", has=page.locator(f"a[href='/jobs/{job_id}']"))
    expect(card.locator(".card-prompt")).to_have_text("คฤหาสน์ แฟนตาซี")
    expect(card.locator("[data-count=up]")).to_have_text("1")
    expect(card.locator(".platform")).to_have_text("เว็บ")
    page.select_option("select[name=vote]", "disliked")
    expect(page).to_have_url(re.compile(r"vote=disliked"))
    expect(card).to_have_count(0)
    page.select_option("select[name=vote]", "liked")
    expect(card).to_have_count(1)
    snap(page, tmp_path, "gallery")

    card.locator("a").click()
    expect(page.locator("h1")).to_have_text("คฤหาสน์ แฟนตาซี")
    expect(page.locator(".recipe [data-field=seed]")).to_have_text(re.compile(r"^\d+$"))
    snap(page, tmp_path, "job")
    page.click("[data-redraw]")
    expect(page).to_have_url(re.compile(r"/\?job="))
    again = wait_for_picture(page)
    assert again != job_id
    expect(page.locator("#job-result [data-field=prompt]")).to_have_text("คฤหาสน์ แฟนตาซี")
    expect(page.locator(".recent-grid img").first).to_be_visible()
    snap(page, tmp_path, "draw-again")

    page.click("nav >> text=แดชบอร์ด")
    expect(page.locator("[data-state]")).to_have_attribute("data-state", re.compile("ready|busy"))
    expect(page.locator("[data-stat=jobs]")).to_have_text("2")
    snap(page, tmp_path, "dashboard")


def test_a_long_drawing_shows_the_time_left_and_a_cancel_names_it_by_its_prompt(
    server: str, page: Page
) -> None:
    page.goto(server + "/")
    draw(page, "ทุ่งดอกไม้ยามเช้า --steps 500 --size 64")
    status = page.locator("#job-status")
    expect(status).to_contain_text(re.compile(r"อีกราว \d+ (วินาที|นาที)"), timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-image")).to_have_attribute("src", re.compile(r"^data:image/jpeg"))
    page.click("#job-cancel")
    expect(page.locator("#job")).to_have_attribute(
        "data-state", "cancelled", timeout=JOB_TIMEOUT_MS
    )
    expect(status).to_have_text("ยกเลิก “ทุ่งดอกไม้ยามเช้า” แล้ว")


def test_core_refusals_show_the_chat_bots_thai_sentence(server: str, page: Page) -> None:
    page.goto(server + "/")
    draw(page, "แมว --steps ห้า")
    expect(page.locator("#form-error")).to_have_text(
        "--steps ต้องเป็นจำนวนเต็ม แต่ได้ “ห้า” ให้เขียนเช่น --steps 250"
    )
    expect(page.locator("#job")).to_be_hidden()


def test_the_page_switches_to_english(server: str, page: Page, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("What should it draw?")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    snap(page, tmp_path, "english", full_page=False)
    page.click("nav >> text=Gallery")
    expect(page.locator("h1")).to_have_text("Gallery")  # the choice is remembered


def test_the_pages_fit_a_phone_screen(server: str, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="th-TH"
    )
    phone = context.new_page()
    phone.goto(server + "/")
    assert fits_the_screen(phone)
    draw(phone, "ทะเลยามเย็น --steps 1 --size 64", styles=("ภาพสีน้ำ",))
    wait_for_picture(phone)
    assert fits_the_screen(phone)
    snap(phone, tmp_path, "phone-draw")
    for name in ("gallery", "dashboard"):
        phone.goto(f"{server}/{name}")
        assert fits_the_screen(phone), name
        snap(phone, tmp_path, f"phone-{name}")
    context.close()


GLYPH_PIXELS = (SCRIPTS / "glyph_pixels.js").read_text()
THAI_LETTERS = ["ก", "ข", "ค", "ฤ", "ห", "ส", "น", "ภ", "า", "พ"]
NO_GLYPH = ["\\ue000", "\\ue001"]  # private-use characters: no font has them, so they are boxes


def test_thai_letters_are_drawn_in_the_pages_own_font_not_as_boxes(server: str, page: Page) -> None:
    page.goto(server + "/")
    loaded = page.evaluate(
        "async () => { await document.fonts.ready; return [...document.fonts]"
        ".filter((face) => face.status === 'loaded').map((face) => face.family); }"
    )
    assert any("Noto Sans Thai" in family for family in loaded), loaded
    *letters, box, other_box = page.evaluate(GLYPH_PIXELS, [*THAI_LETTERS, *NO_GLYPH])
    assert box == other_box  # what a missing letter looks like: the same box for each
    assert box not in letters
    assert len(set(letters)) == len(THAI_LETTERS)  # every letter has a shape of its own


CLIPPED_CONTROLS = (SCRIPTS / "clipped_controls.js").read_text()


@pytest.mark.parametrize(
    ("viewport", "language"), [(DESKTOP, "th"), (PHONE, "th"), (DESKTOP, "en"), (PHONE, "en")]
)
def test_no_control_is_clipped_on_a_desktop_or_a_phone_in_either_language(
    server: str, browser: Browser, viewport: dict[str, int], language: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=viewport, locale="th-TH")
    opened = context.new_page()
    for path in ("/", "/gallery", "/dashboard"):
        opened.goto(f"{server}{path}?lang={language}")
        if path == "/":
            opened.click("details.more-settings summary")
        snap(opened, tmp_path, f"controls-{language}-{viewport['width']}{path.replace('/', '-')}")
        assert opened.evaluate(CLIPPED_CONTROLS) == [], path
    context.close()


def test_what_the_bot_adjusted_in_a_request_is_said_beside_the_drawing(
    server: str, page: Page
) -> None:
    page.goto(server + "/")
    draw(page, "แมว --steps 1 --size 70")
    expect(page.locator("#reply")).to_be_visible()
    expect(page.locator("#reply")).to_contain_text("64")  # 70 rounded down to a multiple of 16
    wait_for_picture(page)


def test_a_draw_retried_after_its_answer_was_lost_gets_the_first_job_back(
    server: str, page: Page
) -> None:
    keys: list[str | None] = []
    first_job: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) > 1:
            route.continue_()
            return
        answer = route.fetch()  # the server takes the draw ...
        first_job.append(answer.json()["job"]["id"])
        route.abort()  # ... and its answer never reaches the page

    page.route("**/api/draw", lose_the_first_answer)
    page.goto(server + "/")
    draw(page, "แมว --steps 2 --size 64")
    expect(page.locator("#form-error")).to_be_visible()
    page.click("button.draw-button")  # the visitor tries again, as told
    assert wait_for_picture(page) == first_job[0]  # the first job, not a second one
    with page.expect_request("**/api/draw"):
        draw(page, "หมา --steps 2 --size 64")  # another text: another attempt
    first, retry, other = keys
    assert first is not None
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert retry == first
    assert other != first


# Last, so that the README's gallery picture shows only ordinary prompts.
def test_a_prompt_with_markup_shows_as_text_everywhere(server: str, page: Page) -> None:
    markup = "<b>แมว</b><img src=x onerror=window.pwned=1><script>window.pwned=2</script>"
    page.goto(server + "/")
    draw(page, f"{markup} --steps 1 --size 64")
    job_id = wait_for_picture(page)
    expect(page.locator("#job-result [data-field=prompt]")).to_have_text(markup)
    page.goto(f"{server}/jobs/{job_id}")
    expect(page.locator("h1")).to_have_text(markup)
    page.goto(f"{server}/gallery")
    expect(page.locator(f"a[href='/jobs/{job_id}'] .card-prompt")).to_have_text(markup)
    assert page.evaluate("window.pwned") is None
