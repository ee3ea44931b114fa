"""The words of the application commands, in Thai and English, and the translator that serves
each language to the Discord clients that use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import discord
from discord import app_commands

Language = Literal["th", "en"]
LANGUAGES: tuple[Language, ...] = ("th", "en")

_LANGUAGE_OF_LOCALE: dict[discord.Locale, Language] = {
    discord.Locale.thai: "th",
    discord.Locale.american_english: "en",
    discord.Locale.british_english: "en",
}


@dataclass(frozen=True)
class Bilingual:
    """One text in Thai and in English."""

    th: str
    en: str

    def plain(self, language: Language) -> str:
        return self.th if language == "th" else self.en

    def localized(self, language: Language) -> app_commands.locale_str:
        """The text in `language`, carrying the other language for BilingualTranslator."""
        other: Language = "en" if language == "th" else "th"
        return app_commands.locale_str(self.plain(language), **{other: self.plain(other)})


@dataclass(frozen=True)
class OptionWording:
    name: Bilingual
    description: Bilingual


@dataclass(frozen=True)
class CommandWording:
    name: Bilingual
    description: Bilingual
    options: dict[str, OptionWording] = field(default_factory=dict)  # by callback parameter


class BilingualTranslator(app_commands.Translator):
    """Gives Thai clients the Thai words and English clients the English words of a command."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = _LANGUAGE_OF_LOCALE.get(locale)
        return string.extras.get(language) if language else None


def _option(name: tuple[str, str], description: tuple[str, str]) -> OptionWording:
    return OptionWording(Bilingual(*name), Bilingual(*description))


DRAW = CommandWording(
    Bilingual("วาด", "draw"),
    Bilingual("วาดภาพจากข้อความภาษาไทย", "Draw a picture from Thai text"),
    {
        "prompt": _option(
            ("ข้อความ", "prompt"),
            (
                "สิ่งที่อยากให้วาด ต่อท้ายด้วย --neg --style --steps ได้เหมือนในแชต",
                "What to draw; it may also carry --neg, --style, --steps as in chat",
            ),
        ),
        "neg": _option(
            ("ไม่เอา", "neg"),
            ("สิ่งที่ไม่อยากให้มีในภาพ เช่น ภาพเบลอ", "What the picture should not show, e.g. ภาพเบลอ"),
        ),
        "style": _option(("สไตล์", "style"), ("สไตล์ของภาพ", "The look of the picture")),
        "steps": _option(
            ("รอบ", "steps"),
            ("จำนวนรอบ ยิ่งมากยิ่งละเอียดแต่ช้าลง", "How many steps: more is finer but slower"),
        ),
        "size": _option(("ขนาด", "size"), ("ขนาดภาพ กว้าง×สูง", "Picture size, width×height")),
        "seed": _option(
            ("เลขสุ่ม", "seed"),
            ("ใช้เลขเดิมเพื่อได้ภาพเดิมอีกครั้ง", "The same seed draws the same picture again"),
        ),
        "init": _option(("รูปเริ่มต้น", "init"), ("รูปที่จะเริ่มวาดจากมัน", "A picture to start from")),
    },
)
QUEUE = CommandWording(
    Bilingual("คิว", "queue"), Bilingual("ดูคิวและงานของคุณ", "See the queue and your jobs")
)
CANCEL = CommandWording(
    Bilingual("ยกเลิก", "cancel"),
    Bilingual("ยกเลิกงานวาดของคุณ", "Cancel a drawing of yours"),
    {
        "job": _option(
            ("งาน", "job"),
            ("รหัสงาน ไม่ใส่คือยกเลิกงานล่าสุด", "The job's id; without it, your latest job"),
        )
    },
)
STATS = CommandWording(
    Bilingual("สถิติ", "stats"),
    Bilingual("สถิติการวาด 30 วันล่าสุด", "What was drawn in the last 30 days"),
)
HELP = CommandWording(
    Bilingual("ช่วยเหลือ", "help"), Bilingual("วิธีใช้ ThaiDraw", "How to use ThaiDraw")
)
STYLES = CommandWording(
    Bilingual("สไตล์", "styles"), Bilingual("สไตล์ภาพที่ใช้ได้", "The picture styles to choose from")
)
MODERATE = CommandWording(
    Bilingual("ดูแลคิว", "queue-admin"),
    Bilingual(
        "สำหรับผู้ดูแล: ดู ล้าง หรือยกเลิกงานในคิวของเซิร์ฟเวอร์นี้",
        "Moderators: see, clear or cancel this server's waiting jobs",
    ),
    {
        "action": _option(("คำสั่ง", "action"), ("จะทำอะไรกับคิว", "What to do with the queue")),
        "job": _option(("งาน", "job"), ("รหัสงานที่จะยกเลิก", "The id of the job to cancel")),
    },
)
MODERATE_ACTIONS: dict[str, Bilingual] = {
    "list": Bilingual("ดูคิว", "list"),
    "clear": Bilingual("ล้างคิว", "clear"),
    "cancel": Bilingual("ยกเลิกงาน", "cancel a job"),
}
SQUARE = Bilingual("จัตุรัส", "square")
LANDSCAPE = Bilingual("แนวนอน", "landscape")
PORTRAIT = Bilingual("แนวตั้ง", "portrait")
