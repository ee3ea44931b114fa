"""Without Chromium the browser tests skip, saying how to get it, or fail where CI requires them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.web.chromium import chromium_or_skip

PROJECT = Path(__file__).resolve().parents[3]


def test_a_chromium_named_in_the_environment_is_used(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    monkeypatch.setenv("THAIDRAW_CHROMIUM", str(browser))
    assert chromium_or_skip(request.config) == browser


def test_without_chromium_the_browser_tests_skip_and_the_run_ends_saying_how_to_enable_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THAIDRAW_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.delenv("THAIDRAW_TEST_REQUIRE_BROWSER", raising=False)
    outcome = run_browser_like_test(pytester, monkeypatch)
    outcome.assert_outcomes(skipped=1)
    last = outcome.outlines[-1]
    assert "BROWSER TESTS SKIPPED" in outcome.stdout.str()
    assert "apt-get install -y chromium fonts-thai-tlwg" in outcome.stdout.str()
    assert "1 skipped" in last


def test_where_the_browser_tests_are_required_a_missing_chromium_fails_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THAIDRAW_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("THAIDRAW_TEST_REQUIRE_BROWSER", "1")
    outcome = run_browser_like_test(pytester, monkeypatch)
    outcome.assert_outcomes(failed=1)
    assert "THAIDRAW_TEST_REQUIRE_BROWSER=1 but no headless Chromium" in outcome.stdout.str()


def run_browser_like_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.RunResult:
    """A test that asks for Chromium as the browser tests do, with the suite's summary line."""
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    pytester.makeconftest('pytest_plugins = ["tests.bot.web.chromium"]\n')
    pytester.makepyfile(
        """
        from tests.bot.web.chromium import chromium_or_skip

        def test_in_a_browser(request):
            chromium_or_skip(request.config)
        """
    )
    return pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
