"""What `thaidraw serve` checks before it starts anything; each failure is one line to act on."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from importlib.metadata import version
from typing import NoReturn
from urllib.parse import urlsplit

import click

from bot.logging_setup import Redactor, configure_logging
from bot.settings import BotSettings
from generator.weights.layout import WeightsLayout
from storage.database import unreachable_reason
from storage.urls import display_url

log = logging.getLogger(__name__)

TOKEN_CHECK_TIMEOUT_SECONDS = 10.0
DATABASE_CHECK_TIMEOUT_SECONDS = 10.0
REFUSED_STATUSES = (401, 403)


class StartupCheckFailed(Exception):
    """Start-up must stop; the message is one line saying what is wrong and what to do."""


def run_startup_checks(settings: BotSettings, timeout: float = TOKEN_CHECK_TIMEOUT_SECONDS) -> None:
    """Raise StartupCheckFailed at the first problem: local checks first, then the tokens,
    then the database (last: for SQLite, reaching it creates its file).

    A platform that cannot be reached is only warned about: its token may be fine, and the
    adapter keeps trying to connect once the bot runs.
    """
    check_public_base_url(settings)
    check_data_dir(settings)
    if not settings.nats_enabled:  # with GPU workers, the models are theirs to check
        check_device(settings)
        check_weights(settings)
    if settings.discord_token is not None:
        check_discord_token(
            settings.discord_token.get_secret_value(), settings.discord_api_base_url, timeout
        )
    if settings.line_channel_access_token is not None:
        check_line_token(
            settings.line_channel_access_token.get_secret_value(),
            settings.line_api_base_url,
            timeout,
        )
    check_database(settings, min(timeout, DATABASE_CHECK_TIMEOUT_SECONDS))


def refuse_start(line: str, log_format: str, secrets: Iterable[str] = ()) -> NoReturn:
    """Say in one line why the bot does not start, then exit with status 2.

    Under THAIDRAW_LOG_FORMAT=json the line is a JSON log entry like every other line.
    """
    if log_format == "json":
        configure_logging("json", secrets)
        log.error(line)
    else:
        click.echo(Redactor(secrets)(line), err=True)
    sys.exit(2)


def check_public_base_url(settings: BotSettings) -> None:
    """LINE fetches pictures only from an HTTPS address it can reach."""
    if not settings.line_enabled:
        return
    url = settings.public_base_url
    if not url:
        raise StartupCheckFailed(
            "PUBLIC_BASE_URL is required while LINE is enabled: LINE fetches the pictures "
            "from it (e.g. PUBLIC_BASE_URL=https://draw.example.com)"
        )
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise StartupCheckFailed(
            f"PUBLIC_BASE_URL={url} must be an https:// address while LINE is enabled "
            "(LINE fetches pictures only over HTTPS)"
        )


def check_data_dir(settings: BotSettings) -> None:
    """The database, pictures and uploads go under THAIDRAW_DATA_DIR: it must take writes."""
    for folder in (settings.data_dir, settings.images_dir, settings.uploads_dir):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise StartupCheckFailed(
                f"THAIDRAW_DATA_DIR={settings.data_dir}: cannot write in {folder} "
                f"({error.strerror or error}); make it writable by the user running the bot"
            ) from None


def check_database(settings: BotSettings, timeout: float) -> None:
    """The database answers (a server that is down or unreachable stops start-up here)."""
    url = settings.resolved_database_url()
    reason = unreachable_reason(url, timeout)
    if reason is not None:
        raise StartupCheckFailed(
            f"DATABASE_URL={display_url(url)}: the database does not answer ({reason}); "
            "check that its server runs and the address, user and password in DATABASE_URL"
        )


def check_device(settings: BotSettings) -> None:
    """THAIDRAW_DEVICE=cuda needs a GPU that PyTorch can see."""
    if settings.device == "cpu":
        return
    import torch  # only here: the other checks need not wait for it

    if torch.cuda.is_available():
        return
    if settings.device == "auto":
        if settings.models == "real":
            log.warning("THAIDRAW_DEVICE=auto found no CUDA GPU: drawing on the CPU (slow)")
        return
    why = "this PyTorch has no CUDA support" if torch.version.cuda is None else "no GPU is visible"
    raise StartupCheckFailed(
        f"THAIDRAW_DEVICE=cuda but {why}; check the NVIDIA driver with `nvidia-smi` (in a "
        "container: the GPU reservation), or set THAIDRAW_DEVICE=auto to allow the CPU"
    )


def check_weights(settings: BotSettings) -> None:
    """The real models' files are all in place (looked for, not loaded: loading takes minutes)."""
    if settings.models != "real":
        return
    from generator.weights.loading import MissingWeightsError, require_weights

    try:
        require_weights(WeightsLayout(settings.weights_dir), settings.text_encoder)
    except MissingWeightsError as error:
        raise StartupCheckFailed(f"THAIDRAW_WEIGHTS_DIR: {error}") from None


def check_discord_token(token: str, api_base_url: str, timeout: float) -> None:
    """Ask Discord who the token belongs to (`GET /users/@me`)."""
    request = urllib.request.Request(
        f"{api_base_url.rstrip('/')}/users/@me",
        headers={
            "Authorization": f"Bot {token}",
            # Discord asks for this form: DiscordBot ($url, $version)
            "User-Agent": f"DiscordBot (thaidraw, {version('thaidraw')})",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            user = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code in REFUSED_STATUSES:
            raise StartupCheckFailed(
                f"DISCORD_TOKEN was refused by Discord ({error.code} {error.reason}); copy the "
                "bot's token again from the Discord Developer Portal (Bot → Reset Token)"
            ) from None
        _cannot_check("DISCORD_TOKEN", f"Discord answered {error.code} {error.reason}")
        return
    except (OSError, ValueError) as error:  # unreachable, timed out, or not JSON
        _cannot_check("DISCORD_TOKEN", f"{api_base_url}: {error}")
        return
    log.info("DISCORD_TOKEN belongs to the bot %s", user.get("username"))


def check_line_token(token: str, api_base_url: str, timeout: float) -> None:
    """Ask LINE for the bot's profile (`get_bot_info`) with the channel access token."""
    from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi
    from urllib3.exceptions import HTTPError  # the LINE SDK's transport

    configuration = Configuration(host=api_base_url, access_token=token)
    configuration.retries = 0  # one try: the bot should start or say why quickly
    try:
        with ApiClient(configuration) as client:
            bot = MessagingApi(client).get_bot_info(_request_timeout=timeout)
    except ApiException as error:
        if error.status in REFUSED_STATUSES:
            raise StartupCheckFailed(
                f"LINE_CHANNEL_ACCESS_TOKEN was refused by LINE ({error.status} {error.reason}); "
                "issue a new one in the LINE Developers Console (Messaging API tab)"
            ) from None
        _cannot_check("LINE_CHANNEL_ACCESS_TOKEN", f"LINE answered {error.status} {error.reason}")
        return
    except HTTPError as error:
        _cannot_check("LINE_CHANNEL_ACCESS_TOKEN", f"{api_base_url}: {error}")
        return
    log.info("LINE_CHANNEL_ACCESS_TOKEN belongs to %s (%s)", bot.display_name, bot.basic_id)


def _cannot_check(variable: str, reason: str) -> None:
    log.warning("could not check %s (%s); starting anyway", variable, reason)
