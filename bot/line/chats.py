"""Who wrote to the bot and where: a one-to-one chat, a group or a room."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from linebot.v3.webhooks import GroupSource, RoomSource, Source, UserSource

from bot.service import Origin
from storage.records import JobRecord

PLATFORM = "line"
SourceKind = Literal["user", "group", "room"]
ChatKey = tuple[str, str]  # (where to send, the user's LINE id)


@dataclass(frozen=True)
class Chat:
    """One LINE user in one conversation; `to` is the id a push message is sent to."""

    to: str
    source: SourceKind
    user_id: str

    @property
    def is_direct(self) -> bool:
        return self.source == "user"

    @property
    def key(self) -> ChatKey:
        return self.to, self.user_id

    def origin(self) -> Origin:
        return Origin(PLATFORM, self.user_id, conversation=self.conversation())

    def conversation(self) -> dict[str, Any]:
        """What the core stores with a job, so the answer finds its way back after a restart."""
        community = "" if self.is_direct else f"line:{self.to}"  # the line is fair between chats
        return {"to": self.to, "source": self.source, "user": self.user_id, "community": community}

    @classmethod
    def of_job(cls, job: JobRecord) -> Chat:
        conversation = job.conversation
        return cls(conversation["to"], conversation["source"], conversation["user"])

    @classmethod
    def of_source(cls, source: Source | None) -> Chat | None:
        """None when LINE did not say who wrote (a group member without a known user id)."""
        user_id = getattr(source, "user_id", None)
        if not user_id:
            return None
        if isinstance(source, UserSource):
            return cls(user_id, "user", user_id)
        if isinstance(source, GroupSource):
            return cls(source.group_id, "group", user_id)
        if isinstance(source, RoomSource):
            return cls(source.room_id, "room", user_id)
        return None
