"""The original app's style presets: words appended to the prompt to steer the look."""

STYLE_PRESETS: tuple[str, ...] = (
    "ภาพสวย",
    "ภาพยนตร์",
    "ภาพสีอะคริลิค",
    "ภาพสีน้ำ",
    "ภาพการ์ตูน",
    "ภาพคุณภาพสูง",
    "ภาพวาด",
    "ภาพ 3 มิติ",
    "ภาพวาดโดยเด็ก",
    "ภาพแฟนตาซี",
    "ภาพประติมากรรม",
    "1990",
    "ภาพสีน้ำมัน",
    "ภาพวาดด้วยดินสอ",
    "ภาพเกม",
)

STYLE_ENGLISH: dict[str, str] = {
    "ภาพสวย": "beautiful",
    "ภาพยนตร์": "cinematic",
    "ภาพสีอะคริลิค": "acrylic",
    "ภาพสีน้ำ": "watercolour",
    "ภาพการ์ตูน": "cartoon",
    "ภาพคุณภาพสูง": "high quality",
    "ภาพวาด": "painting",
    "ภาพ 3 มิติ": "3D",
    "ภาพวาดโดยเด็ก": "child's drawing",
    "ภาพแฟนตาซี": "fantasy",
    "ภาพประติมากรรม": "sculpture",
    "1990": "1990",
    "ภาพสีน้ำมัน": "oil painting",
    "ภาพวาดด้วยดินสอ": "pencil drawing",
    "ภาพเกม": "video game",
}


def _squash(name: str) -> str:
    return "".join(name.split()).casefold()


_BY_SQUASHED = {_squash(style): style for style in STYLE_PRESETS}
_BY_SQUASHED.update({_squash(english): style for style, english in STYLE_ENGLISH.items()})


def find_style(name: str) -> str | None:
    """The preset a user meant (Thai or English name, spaces and case ignored), or None."""
    return _BY_SQUASHED.get(_squash(name))
