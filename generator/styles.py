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


# Other ways people write the English names: American spellings, plurals, common synonyms.
STYLE_ALIASES: dict[str, str] = {
    "watercolor": "ภาพสีน้ำ",
    "water color": "ภาพสีน้ำ",
    "acrylic paint": "ภาพสีอะคริลิค",
    "acrylics": "ภาพสีอะคริลิค",
    "cartoons": "ภาพการ์ตูน",
    "movie": "ภาพยนตร์",
    "film": "ภาพยนตร์",
    "hq": "ภาพคุณภาพสูง",
    "3 dimensional": "ภาพ 3 มิติ",
    "childs drawing": "ภาพวาดโดยเด็ก",
    "kids drawing": "ภาพวาดโดยเด็ก",
    "childrens drawing": "ภาพวาดโดยเด็ก",
    "oil paint": "ภาพสีน้ำมัน",
    "pencil": "ภาพวาดด้วยดินสอ",
    "pencil sketch": "ภาพวาดด้วยดินสอ",
    "game": "ภาพเกม",
    "videogame": "ภาพเกม",
}
_THAI_PICTURE = "ภาพ"  # "picture": every Thai name but 1990 starts with it, and people leave it out
# Characters that never change what a name means: `high-quality`, `child's drawing`, `oil_painting`.
_IGNORED = str.maketrans("", "", "-_'’.")


def _squash(name: str) -> str:
    return "".join(name.translate(_IGNORED).split()).casefold()


_BY_SQUASHED = {_squash(style): style for style in STYLE_PRESETS}
_BY_SQUASHED.update({_squash(english): style for style, english in STYLE_ENGLISH.items()})
_BY_SQUASHED.update({_squash(alias): style for alias, style in STYLE_ALIASES.items()})
_BY_SQUASHED.update(
    {squashed.removeprefix(_THAI_PICTURE): style for squashed, style in list(_BY_SQUASHED.items())}
)
# The most words one name takes, so that a reader can try runs of words no longer than this.
MOST_WORDS_IN_A_STYLE = max(
    len(name.split()) for name in (*STYLE_PRESETS, *STYLE_ENGLISH.values(), *STYLE_ALIASES)
)


def find_style(name: str) -> str | None:
    """The preset a user meant (Thai with or without "ภาพ", English in either spelling, spaces,
    hyphens and case ignored), or None."""
    return _BY_SQUASHED.get(_squash(name))


def style_names(preset: str) -> str:
    """`ภาพสีน้ำ (watercolour)`: a preset as the lists people choose from show it."""
    return f"{preset} ({STYLE_ENGLISH[preset]})"
