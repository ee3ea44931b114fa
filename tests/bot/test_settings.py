"""`thaidraw serve`'s settings: the rules that keep a server beyond loopback closed."""

from __future__ import annotations

import ipaddress

import pytest

from bot.settings import BotSettings
from generator.settings import SettingsError, load_settings

LONG_ENOUGH = "0123456789abcdef"


def load(**variables: str) -> BotSettings:
    return load_settings(BotSettings, _env_file=None, **variables)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"THAIDRAW_HOST": "0.0.0.0"}, "THAIDRAW_WEB_TOKEN is required"),
        (
            {"THAIDRAW_HOST": "0.0.0.0", "THAIDRAW_WEB_TOKEN": "abc"},
            "THAIDRAW_WEB_TOKEN must be at least 16 characters",
        ),
        (
            {
                "THAIDRAW_HOST": "0.0.0.0",
                "THAIDRAW_WEB_TOKEN": LONG_ENOUGH,
                "THAIDRAW_METRICS_TOKEN": "short",
            },
            "THAIDRAW_METRICS_TOKEN must be at least 16 characters",
        ),
        ({"THAIDRAW_TRUSTED_PROXIES": "caddy"}, "THAIDRAW_TRUSTED_PROXIES"),
    ],
)
def test_unsafe_settings_stop_start_up_naming_the_variable(
    variables: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        load(**variables)
    shown = str(refused.value)
    assert "abc" not in shown  # no secrets in the line
    assert "short" not in shown


def test_a_long_token_opens_a_server_beyond_loopback_and_short_ones_do_on_loopback() -> None:
    assert load(THAIDRAW_HOST="0.0.0.0", THAIDRAW_WEB_TOKEN=LONG_ENOUGH).web_token is not None
    assert load(THAIDRAW_WEB_TOKEN="abc").web_token is not None  # only this machine can reach it


def test_the_metrics_ask_for_their_own_token_else_the_web_pages() -> None:
    assert load().monitoring_token is None
    assert load(THAIDRAW_WEB_TOKEN=LONG_ENOUGH).monitoring_token == LONG_ENOUGH
    both = load(THAIDRAW_WEB_TOKEN=LONG_ENOUGH, THAIDRAW_METRICS_TOKEN="m" * 16)
    assert both.monitoring_token == "m" * 16


def test_trusted_proxies_are_loopback_by_default_and_a_comma_list_of_ips_or_networks() -> None:
    assert load().trusted_proxies == (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1"),
    )
    assert load(THAIDRAW_TRUSTED_PROXIES=" 10.0.0.2, 172.30.80.0/24 ").trusted_proxies == (
        ipaddress.ip_network("10.0.0.2/32"),
        ipaddress.ip_network("172.30.80.0/24"),
    )
    assert load(THAIDRAW_TRUSTED_PROXIES="").trusted_proxies == ()  # trust none
