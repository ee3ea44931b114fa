"""People, one row per platform account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import User
from storage.records import UserRecord
from storage.sessions import Clock, Repository
from storage.text import storable_text


def user_record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        platform=user.platform,
        platform_user_id=user.platform_user_id,
        display_name=user.display_name,
        created_at=user.created_at,
    )


class UserRepository(Repository):
    def get_or_create(
        self, platform: str, platform_user_id: str, display_name: str = ""
    ) -> UserRecord:
        """The user with this platform id, created on first sight; a new display name is kept."""
        with self._sessions.write() as session:
            return user_record(
                user_row(session, platform, platform_user_id, display_name, self._clock)
            )


def user_row(
    session: Session, platform: str, platform_user_id: str, display_name: str, clock: Clock
) -> User:
    """The user's row in `session`'s write transaction: found, or added; its name kept current."""
    platform_user_id, display_name = storable_text(platform_user_id), storable_text(display_name)
    query = select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
    user = session.scalars(query).one_or_none()
    if user is None:
        user = User(
            platform=platform,
            platform_user_id=platform_user_id,
            display_name=display_name,
            created_at=clock(),
        )
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:
            # Another process created the same user between our SELECT and INSERT.
            user = session.scalars(query).one()
    elif display_name and display_name != user.display_name:
        user.display_name = display_name
    session.flush()
    return user
