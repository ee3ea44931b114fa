"""Platform events already handled, so a redelivered webhook or gateway event acts only once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from storage.models import PlatformEvent
from storage.sessions import Repository


class PlatformEventRepository(Repository):
    def record(self, platform: str, event_id: str) -> bool:
        """Remember the event; False when it was already remembered (by anyone, any process)."""
        try:
            with self._sessions.write() as session:
                session.add(
                    PlatformEvent(platform=platform, event_id=event_id, received_at=self._clock())
                )
        except IntegrityError:
            # The unique (platform, event_id) constraint decides races between processes.
            return False
        return True
