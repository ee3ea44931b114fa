"""Pictures users send as starting points: checked, re-encoded, named by us, kept per user."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.line import messages
from bot.line.uploads import (
    KEEP_PER_USER,
    MAX_SIDE,
    MAX_UPLOAD_BYTES,
    UploadRefused,
    last_upload,
    save_upload,
)
from tests.bot.line.conftest import png_bytes


def test_a_picture_is_kept_as_png_under_a_name_of_our_own(tmp_path: Path) -> None:
    path = save_upload(png_bytes((120, 90)), tmp_path, "U../../etc")
    assert path.is_relative_to(tmp_path / "line")
    assert ".." not in path.relative_to(tmp_path).parts
    assert "etc" not in str(path.relative_to(tmp_path))
    with Image.open(path) as image:
        assert (image.format, image.size) == ("PNG", (120, 90))
    assert last_upload(tmp_path, "U../../etc") == path


def test_the_latest_picture_is_the_users_and_each_user_has_their_own(tmp_path: Path) -> None:
    first = save_upload(png_bytes(color="red"), tmp_path, "Ualice")
    second = save_upload(png_bytes(color="blue"), tmp_path, "Ualice")
    bobs = save_upload(png_bytes(color="green"), tmp_path, "Ubob")
    assert last_upload(tmp_path, "Ualice") == second != first
    assert last_upload(tmp_path, "Ubob") == bobs
    assert last_upload(tmp_path, "Ucarol") is None


def test_only_the_latest_few_pictures_are_kept(tmp_path: Path) -> None:
    saved = [save_upload(png_bytes(), tmp_path, "Ualice") for _ in range(KEEP_PER_USER + 2)]
    assert [path.exists() for path in saved] == [False, False] + [True] * KEEP_PER_USER


def test_large_pictures_are_made_smaller(tmp_path: Path) -> None:
    path = save_upload(png_bytes((MAX_SIDE * 2, MAX_SIDE)), tmp_path, "Ualice")
    assert Image.open(path).size == (MAX_SIDE, MAX_SIDE // 2)


def test_more_than_the_size_limit_is_refused_in_thai(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused) as refused:
        save_upload(b"\0" * (MAX_UPLOAD_BYTES + 1), tmp_path, "Ualice")
    assert refused.value.thai == messages.photo_too_large(10)
    assert last_upload(tmp_path, "Ualice") is None


def test_what_is_not_a_picture_is_refused_and_not_kept(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused) as refused:
        save_upload(b"<html>not a picture</html>", tmp_path, "Ualice")
    assert refused.value.thai == messages.PHOTO_NOT_A_PICTURE
    assert list(tmp_path.rglob("*.*")) == []
