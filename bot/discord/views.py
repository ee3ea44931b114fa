"""The buttons under a result: 🎲 again, ➕ more steps, 🗑️ delete.

Each button's custom_id carries its action and job id, and everything else comes from the
database, so the buttons of old results keep working after the bot restarts.
"""

from __future__ import annotations

import re
from enum import StrEnum

import discord

from bot.discord import messages
from bot.discord.handlers import handlers_of


class JobAction(StrEnum):
    AGAIN = "again"
    MORE = "more"
    DELETE = "delete"


_LOOKS: dict[JobAction, tuple[str, discord.ButtonStyle]] = {
    JobAction.AGAIN: ("🎲", discord.ButtonStyle.primary),
    JobAction.MORE: ("➕", discord.ButtonStyle.secondary),
    JobAction.DELETE: ("🗑️", discord.ButtonStyle.danger),
}


def job_custom_id(action: JobAction, job_id: str) -> str:
    return f"thaidraw:{action}:{job_id}"


class JobButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"thaidraw:(?P<action>again|more|delete):(?P<job_id>[A-Za-z0-9_-]{1,64})",
):
    """One result button; discord.py rebuilds it from the custom_id of any message it is on."""

    def __init__(self, action: JobAction, job_id: str, label: str) -> None:
        emoji, style = _LOOKS[action]
        button = discord.ui.Button(
            style=style, label=label, emoji=emoji, custom_id=job_custom_id(action, job_id)
        )
        super().__init__(button)
        self.action = action
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button,
        match: re.Match[str],
        /,
    ) -> JobButton:
        return cls(JobAction(match["action"]), match["job_id"], item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        handlers = handlers_of(interaction)
        act = {
            JobAction.AGAIN: handlers.again,
            JobAction.MORE: handlers.more,
            JobAction.DELETE: handlers.delete,
        }[self.action]
        await act(interaction, self.job_id)


def result_buttons(job_id: str, steps: int) -> discord.ui.View:
    """🎲 ➕ 🗑️ for a finished job; ➕ continues with as many steps again."""
    view = discord.ui.View(timeout=None)
    view.add_item(JobButton(JobAction.AGAIN, job_id, messages.AGAIN_LABEL))
    view.add_item(JobButton(JobAction.MORE, job_id, messages.more_label(steps)))
    view.add_item(JobButton(JobAction.DELETE, job_id, messages.DELETE_LABEL))
    return view
