"""Pictures people give (a starting picture, a target): anything that is not one is refused."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from generator.pictures import PictureError, open_picture


def png() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 50).convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def cut_in_its_image_data(data: bytes, then: bytes) -> bytes:
    """The PNG up to half of its image data, followed by `then`."""
    start = data.index(b"IDAT")
    length = struct.unpack(">I", data[start - 4 : start])[0]
    pixels = data[start + 4 : start + 4 + length]
    return data[: start - 4] + chunk(b"IDAT", pixels[: length // 2]) + then


BROKEN = {
    "text": b"not a picture",
    "cut short": png()[:200],
    "junk after half its pixels": cut_in_its_image_data(png(), b"junk" * 10),
    # Pillow reads this one as a broken chunk, and says so with a SyntaxError.
    "a chunk of no known kind": cut_in_its_image_data(
        png(), struct.pack(">I", 10) + b"\x01\x02\x03\x04" + b"junk" * 10
    ),
}


def test_a_picture_opens_as_rgb(tmp_path: Path) -> None:
    path = tmp_path / "start.png"
    path.write_bytes(png())
    assert open_picture(path).mode == "RGB"


@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_is_refused_as_not_a_picture(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "start.png"
    path.write_bytes(content)
    with pytest.raises(PictureError, match="not a picture"):
        open_picture(path)
