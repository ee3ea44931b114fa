"""The command language: how the bot understands what people type, on every platform."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import ParseContext, ParsedCommand, parse_message
from generator.request import RequestLimits, validate

BOT_ID = "123456789"
GROUP = ParseContext(
    limits=RequestLimits(),  # 1–500 steps, sides 64–512, 300 characters
    blocklist=("เลือด", "Gore"),
    bot_names=("ThaiDraw", BOT_ID),
    direct=False,
)
DIRECT = ParseContext(GROUP.limits, GROUP.blocklist, GROUP.bot_names, direct=True)

STYLE_LIST = (
    "ภาพสวย (beautiful), ภาพยนตร์ (cinematic), ภาพสีอะคริลิค (acrylic), ภาพสีน้ำ (watercolour), "
    "ภาพการ์ตูน (cartoon), ภาพคุณภาพสูง (high quality), ภาพวาด (painting), ภาพ 3 มิติ (3D), "
    "ภาพวาดโดยเด็ก (child's drawing), ภาพแฟนตาซี (fantasy), ภาพประติมากรรม (sculpture), "
    "1990 (1990), ภาพสีน้ำมัน (oil painting), ภาพวาดด้วยดินสอ (pencil drawing), ภาพเกม (video game)"
)
OPTION_LIST = (
    "--neg (--ไม่เอา) --style (--สไตล์) --steps (--รอบ) --size (--ขนาด) --seed (--เลขสุ่ม) "
    "--aesthetic --neg-weight --augment --init (--รูปเริ่มต้น)"
)
BLURRY = ("ภาพเบลอ", 0.4)  # the original app's default negative prompt


def draw(
    *prompts: tuple[str, float],
    negatives: tuple[tuple[str, float], ...] = (BLURRY,),
    styles: tuple[str, ...] = (),
    steps: int = 250,
    size: tuple[int, int] = (256, 256),
    seed: int | None = None,
    aesthetic_weight: float = 0.005,
    negative_weight: float = 0.4,
    augment: str = "original",
    use_init_image: bool = False,
    notices: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The JSON of an understood draw; the defaults are build_request's."""
    return {
        "ok": True,
        "command": "draw",
        "prompts": [{"text": text, "weight": weight} for text, weight in prompts],
        "negatives": [{"text": text, "weight": weight} for text, weight in negatives],
        "styles": list(styles),
        "steps": steps,
        "width": size[0],
        "height": size[1],
        "seed": seed,
        "aesthetic_weight": aesthetic_weight,
        "negative_weight": negative_weight,
        "augment": augment,
        "use_init_image": use_init_image,
        "notices": list(notices),
    }


def command(name: str | None, **extra: Any) -> dict[str, Any]:
    return {"ok": True, "command": name, **extra}


def refused(error: str, name: str = "draw") -> dict[str, Any]:
    return {"ok": False, "command": name, "error": error}


MANSION = ("คฤหาสน์", 1.0)
CAT = ("แมว", 1.0)
DOG = ("หมา", 0.4)
NOT_FOR_THE_BOT = command(None)
NOTHING_TO_DRAW = refused("ยังไม่มีข้อความสำหรับวาด ลองพิมพ์ เช่น /วาด คฤหาสน์ แฟนตาซี")
BLOCKED = refused("ข้อความนี้มีคำที่บอทไม่รับวาด ลองเปลี่ยนคำแล้วสั่งใหม่นะ")
ROUNDED = "ปรับขนาดภาพเป็น {}×{} เพราะแต่ละด้านต้องเป็นทวีคูณของ 16"

# (message, context, expected JSON)
TABLE: list[tuple[str, ParseContext, dict[str, Any]]] = [
    # Commands in Thai and English
    ("/วาด คฤหาสน์", GROUP, draw(MANSION)),
    ("/draw castle", GROUP, draw(("castle", 1.0))),
    ("/Draw castle", GROUP, draw(("castle", 1.0))),  # phones capitalise the first letter
    ("/วาด คฤหาสน์ แฮรี่พอตเตอร์", GROUP, draw(("คฤหาสน์ แฮรี่พอตเตอร์", 1.0))),
    ("/วาดแมวสีส้ม", GROUP, draw(("แมวสีส้ม", 1.0))),  # Thai needs no space after the command
    ("/ วาด แมว", GROUP, draw(("แมว", 1.0))),
    ("/ช่วยเหลือ", GROUP, command("help")),
    ("/help", GROUP, command("help")),
    ("/HELP me please", GROUP, command("help")),
    ("/สไตล์", GROUP, command("styles")),
    ("/styles", GROUP, command("styles")),
    ("/คิว", GROUP, command("queue")),
    ("/queue", GROUP, command("queue")),
    ("/ยกเลิก", GROUP, command("cancel")),
    ("/cancel Ab3_x-9ZqL0w", GROUP, command("cancel", job_id="Ab3_x-9ZqL0w")),
    ("/ยกเลิก Ab3_x-9ZqL0w", GROUP, command("cancel", job_id="Ab3_x-9ZqL0w")),
    ("/ยกเลิกงาน", GROUP, command("cancel")),  # "my job", not a job id
    ("/สถิติ", GROUP, command("stats")),
    ("/stats", GROUP, command("stats")),
    # Mentions, one-to-one chats and groups
    ("@ThaiDraw /วาด แมว", GROUP, draw(("แมว", 1.0))),
    ("@thaidraw วาด แมว", GROUP, draw(("แมว", 1.0))),
    ("@ThaiDraw @ThaiDraw คิว", GROUP, command("queue")),
    ("@ThaiDraw", GROUP, command("help")),
    ("@ThaiDraw สวัสดีครับ", GROUP, command("help")),
    (f"<@{BOT_ID}> /draw cat", GROUP, draw(("cat", 1.0))),
    (f"<@!{BOT_ID}> draw cat", GROUP, draw(("cat", 1.0))),
    ("<@987> วาด แมว", GROUP, NOT_FOR_THE_BOT),  # someone else was mentioned
    ("@ThaiDrawing วาด แมว", GROUP, NOT_FOR_THE_BOT),
    ("วาด แมว", GROUP, NOT_FOR_THE_BOT),
    ("วาด แมว", DIRECT, draw(("แมว", 1.0))),
    ("draw a cat", DIRECT, draw(("a cat", 1.0))),
    ("คิว", DIRECT, command("queue")),
    ("สวัสดี", DIRECT, NOT_FOR_THE_BOT),
    ("/drw แมว", DIRECT, refused("ไม่รู้จักคำสั่ง /drw หมายถึง /draw หรือเปล่า", "help")),
    ("/drw แมว", GROUP, NOT_FOR_THE_BOT),  # perhaps another bot's command
    (
        "@ThaiDraw /xyzzy",
        GROUP,
        refused("ไม่รู้จักคำสั่ง /xyzzy พิมพ์ /ช่วยเหลือ เพื่อดูคำสั่งทั้งหมด", "help"),
    ),
    # Ordinary chat
    ("", GROUP, NOT_FOR_THE_BOT),
    ("ไปกินข้าวกันไหม", GROUP, NOT_FOR_THE_BOT),
    ("ดูที่ https://example.com/วาด นะ", GROUP, NOT_FOR_THE_BOT),
    ("/", GROUP, NOT_FOR_THE_BOT),
    # Each option
    ("/วาด คฤหาสน์ --neg ภาพเบลอ", GROUP, draw(MANSION, negatives=(BLURRY,))),
    (
        "/วาด คฤหาสน์ --neg ภาพเบลอ --neg ภาพมืด สลัว",
        GROUP,
        draw(MANSION, negatives=(BLURRY, ("ภาพมืด สลัว", 0.4))),
    ),
    (
        "/วาด คฤหาสน์ --neg ภาพเบลอ | ภาพมืด:0.8",
        GROUP,
        draw(MANSION, negatives=(BLURRY, ("ภาพมืด", 0.8))),
    ),
    (
        "/วาด คฤหาสน์ --neg ภาพเบลอ --neg-weight 0.7",
        GROUP,
        draw(MANSION, negatives=(("ภาพเบลอ", 0.7),), negative_weight=0.7),
    ),
    ("/วาด คฤหาสน์ --NEG ภาพเบลอ", GROUP, draw(MANSION, negatives=(BLURRY,))),
    ("/วาด คฤหาสน์ --style ภาพสีน้ำ", GROUP, draw(MANSION, styles=("ภาพสีน้ำ",))),
    (
        "/วาด คฤหาสน์ --style watercolour --style Cartoon",
        GROUP,
        draw(MANSION, styles=("ภาพสีน้ำ", "ภาพการ์ตูน")),
    ),
    (
        "/วาด คฤหาสน์ --style ภาพ 3 มิติ ภาพสวย",
        GROUP,
        draw(MANSION, styles=("ภาพ 3 มิติ", "ภาพสวย")),
    ),
    (
        "/วาด คฤหาสน์ --style high quality, oil painting --style ภาพสีน้ำมัน",
        GROUP,
        draw(MANSION, styles=("ภาพคุณภาพสูง", "ภาพสีน้ำมัน")),
    ),
    ("/วาด คฤหาสน์ --steps 100", GROUP, draw(MANSION, steps=100)),
    ("/วาด --steps 100 คฤหาสน์ แฟนตาซี", GROUP, draw(("คฤหาสน์ แฟนตาซี", 1.0), steps=100)),
    (
        "/วาด คฤหาสน์ --steps 100 --steps 200",
        GROUP,
        draw(MANSION, steps=200, notices=("ใส่ --steps มากกว่าหนึ่งครั้ง ใช้ค่าสุดท้าย (200)",)),
    ),
    ("/วาด คฤหาสน์ --size 512x384", GROUP, draw(MANSION, size=(512, 384))),
    ("/วาด คฤหาสน์ --size 320×240", GROUP, draw(MANSION, size=(320, 240))),
    (
        "/วาด คฤหาสน์ --size 300X300",
        GROUP,
        draw(MANSION, size=(288, 288), notices=(ROUNDED.format(288, 288),)),
    ),
    ("/วาด คฤหาสน์ --size 128", GROUP, draw(MANSION, size=(128, 128))),
    ("/วาด คฤหาสน์ --size 512 x 512 แฟนตาซี", GROUP, draw(("คฤหาสน์ แฟนตาซี", 1.0), size=(512, 512))),
    ("/วาด คฤหาสน์ --seed 42", GROUP, draw(MANSION, seed=42)),
    ("/วาด คฤหาสน์ --aesthetic 0.01", GROUP, draw(MANSION, aesthetic_weight=0.01)),
    ("/วาด คฤหาสน์ --augment sharp", GROUP, draw(MANSION, augment="sharp")),
    ("/วาด คฤหาสน์ --augment คมชัด", GROUP, draw(MANSION, augment="sharp")),
    ("/วาด คฤหาสน์ --augment Original", GROUP, draw(MANSION)),
    (
        "/วาด คฤหาสน์ --augment blurry",
        GROUP,
        refused("ไม่รู้จักชุดการปรับภาพ “blurry” เลือกได้: original หรือ sharp เช่น --augment original"),
    ),
    ("/วาด คฤหาสน์ --aesthetic -0.5", GROUP, draw(MANSION, aesthetic_weight=-0.5)),
    ("/วาด คฤหาสน์ --init", GROUP, draw(MANSION, use_init_image=True)),
    ("/วาด --init คฤหาสน์", GROUP, draw(MANSION, use_init_image=True)),
    # Prompt syntax: `|` and `:weight`, negative weights
    ("/วาด คฤหาสน์:1 | ทะเล:0.5", GROUP, draw(MANSION, ("ทะเล", 0.5))),
    ("/วาด คฤหาสน์ | ภาพเบลอ:-0.6", GROUP, draw(MANSION, negatives=(("ภาพเบลอ", 0.6),))),
    (
        "/วาด คฤหาสน์ : 2 | ภาพมืด:-1 --neg ภาพเบลอ",
        GROUP,
        draw(("คฤหาสน์", 2.0), negatives=(("ภาพมืด", 1.0), BLURRY)),
    ),
    # What phones do to text
    ("/วาด คฤหาสน์ —neg ภาพเบลอ", GROUP, draw(MANSION, negatives=(BLURRY,))),
    ("/วาด คฤหาสน์ –steps 100", GROUP, draw(MANSION, steps=100)),
    ("/วาด คฤหาสน์ −seed 7", GROUP, draw(MANSION, seed=7)),
    ("/วาด คฤหาสน์ ‒size 128", GROUP, draw(MANSION, size=(128, 128))),
    ("/วาด คฤหาสน์ — แฟนตาซี", GROUP, draw(("คฤหาสน์ — แฟนตาซี", 1.0))),
    (
        "／วาด　คฤหาสน์ －－ｎｅｇ ภาพเบลอ －－ｓｔｅｐｓ １２０",
        GROUP,
        draw(MANSION, negatives=(BLURRY,), steps=120),
    ),
    ("/วาด ｃａｔ：２", GROUP, draw(("cat", 2.0))),
    ("/วาด คฤหาสน์ --steps ๒๕๐ --seed ๔๒", GROUP, draw(MANSION, seed=42)),
    ("/วาด “ภาพ --neg ตัวอักษร”", GROUP, draw(("ภาพ --neg ตัวอักษร", 1.0))),
    ('/วาด "เวลา 10:30" | ทะเล:0.5', GROUP, draw(("เวลา 10:30", 1.0), ("ทะเล", 0.5))),
    ('/วาด "a | b":2', GROUP, draw(("a | b", 2.0))),
    ('/วาด คฤหาสน์ --neg "--steps 5"', GROUP, draw(MANSION, negatives=(("--steps 5", 0.4),))),
    ('/วาด คฤหาสน์ --style "ภาพ 3 มิติ"', GROUP, draw(MANSION, styles=("ภาพ 3 มิติ",))),
    ('/วาด คฤหาสน์ "" --neg ภาพเบลอ', GROUP, draw(MANSION, negatives=(BLURRY,))),
    ("/วาด คฤห\u200bาสน์ --neg\u200b ภาพเบลอ", GROUP, draw(MANSION, negatives=(BLURRY,))),
    ("/วาด\nคฤหาสน์\n\n--neg   ภาพเบลอ", GROUP, draw(MANSION, negatives=(BLURRY,))),
    ("/วาด คฤหาสน์   แฟนตาซี", GROUP, draw(("คฤหาสน์ แฟนตาซี", 1.0))),
    ("/วาด น\u0e49\u0e4d\u0e32ตก", GROUP, draw(("น\u0e49\u0e33ตก", 1.0))),
    # Rejections
    ("/วาด", GROUP, NOTHING_TO_DRAW),
    ("/วาด --neg ภาพเบลอ", GROUP, NOTHING_TO_DRAW),
    ("วาด", DIRECT, NOTHING_TO_DRAW),
    ("/วาด คฤหาสน์ --ngg ภาพเบลอ", GROUP, refused("ไม่รู้จักตัวเลือก --ngg หมายถึง --neg หรือเปล่า")),
    (
        "/วาด คฤหาสน์ --init=yes",
        GROUP,
        refused("ตัวเลือก --init ไม่ต้องมีค่า เขียนแค่ --init ก็พอ"),
    ),
    (
        "/วาด คฤหาสน์ --colour red",
        GROUP,
        refused(f"ไม่รู้จักตัวเลือก --colour ใช้ได้: {OPTION_LIST}"),
    ),
    (
        "/วาด คฤหาสน์ --steps",
        GROUP,
        refused("ตัวเลือก --steps ต้องมีค่าตามหลัง เช่น --steps 250"),
    ),
    (
        "/วาด คฤหาสน์ --neg --steps 100",
        GROUP,
        refused("ตัวเลือก --neg ต้องมีค่าตามหลัง เช่น --neg ภาพเบลอ"),
    ),
    (
        "/วาด คฤหาสน์ --steps many",
        GROUP,
        refused("--steps ต้องเป็นจำนวนเต็ม แต่ได้ “many” ให้เขียนเช่น --steps 250"),
    ),
    (
        "/วาด คฤหาสน์ --seed 2.5",
        GROUP,
        refused("--seed ต้องเป็นจำนวนเต็ม แต่ได้ “2.5” ให้เขียนเช่น --seed 42"),
    ),
    (
        "/วาด คฤหาสน์ --aesthetic lots",
        GROUP,
        refused("--aesthetic ต้องเป็นตัวเลข แต่ได้ “lots” ให้เขียนเช่น --aesthetic 0.005"),
    ),
    (
        "/วาด คฤหาสน์ --steps 501",
        GROUP,
        refused("จำนวนรอบต้องอยู่ระหว่าง 1 ถึง 500 เช่น --steps 250"),
    ),
    ("/วาด คฤหาสน์ --steps 0", GROUP, refused("จำนวนรอบต้องอยู่ระหว่าง 1 ถึง 500 เช่น --steps 250")),
    (
        "/วาด คฤหาสน์ --size 1024",
        GROUP,
        refused("ขนาดภาพต้องอยู่ระหว่าง 64 ถึง 512 พิกเซลต่อด้าน เช่น --size 256x256"),
    ),
    (
        "/วาด คฤหาสน์ --size 40x40",
        GROUP,
        refused("ขนาดภาพต้องอยู่ระหว่าง 64 ถึง 512 พิกเซลต่อด้าน เช่น --size 256x256"),
    ),
    (
        "/วาด คฤหาสน์ --size big",
        GROUP,
        refused("อ่านขนาดภาพ “big” ไม่ออก ให้เขียนเป็น กว้างxสูง เช่น --size 256x256 หรือ --size 256"),
    ),
    ("/วาด คฤหาสน์ --seed -1", GROUP, refused("seed ต้องเป็นจำนวนเต็มระหว่าง 0 ถึง 2147483647")),
    (
        "/วาด คฤหาสน์ --seed 99999999999999999999999999",
        GROUP,
        refused("seed ต้องเป็นจำนวนเต็มระหว่าง 0 ถึง 2147483647"),
    ),
    (
        "/วาด คฤหาสน์ --aesthetic 1000",
        GROUP,
        refused("ค่าของ --aesthetic ต้องอยู่ระหว่าง -100 ถึง 100 เช่น --aesthetic 0.5"),
    ),
    (
        "/วาด คฤหาสน์:0",
        GROUP,
        refused("น้ำหนักของ “คฤหาสน์” เป็น 0 ใช้ไม่ได้ ให้ใส่ตัวเลขที่ไม่ใช่ 0 เช่น คฤหาสน์:0.5"),
    ),
    ("/วาด คฤหาสน์:500", GROUP, refused("น้ำหนักของ “คฤหาสน์” ต้องอยู่ระหว่าง 0 ถึง 100")),
    (
        "/วาด คฤหาสน์ --neg ภาพเบลอ --neg-weight -1",
        GROUP,
        refused("น้ำหนักของ “ภาพเบลอ” ต้องอยู่ระหว่าง 0 ถึง 100"),
    ),
    (
        "/วาด " + "ก" * 301,
        GROUP,
        refused("ข้อความยาวเกินไป (301 ตัวอักษร) ใส่ได้ไม่เกิน 300 ตัวอักษร"),
    ),
    (
        '/วาด "' + "ก" * 301 + '"',  # quoted text counts in full
        GROUP,
        refused("ข้อความยาวเกินไป (301 ตัวอักษร) ใส่ได้ไม่เกิน 300 ตัวอักษร"),
    ),
    ("/วาด ภาพเลือดสาด", GROUP, BLOCKED),
    ("/วาด เลือ\u200bด", GROUP, BLOCKED),  # a zero-width space does not hide a word
    ("/วาด GORE scene", GROUP, BLOCKED),
    ("/วาด คฤหาสน์ --neg เลือด", GROUP, BLOCKED),
    ("/วาด gorey", GROUP, draw(("gorey", 1.0))),  # Latin terms match whole words only
    (
        "/วาด คฤหาสน์ --style พาสเทล",
        GROUP,
        refused(f"ไม่รู้จักสไตล์ “พาสเทล” เลือกได้จาก: {STYLE_LIST}"),
    ),
    (
        "/วาด คฤหาสน์ --style cartoon neon",
        GROUP,
        refused(f"ไม่รู้จักสไตล์ “neon” เลือกได้จาก: {STYLE_LIST}"),
    ),
    # Options as people type them: glued, one dash, long dashes, `=`, Thai names
    ("/วาด แมว--neg หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว -neg หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว —neg หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว –neg หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว—neg หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว --neg=หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว --steps=120 --size=128x64", GROUP, draw(CAT, steps=120, size=(128, 64))),
    ("/วาด แมว --negหมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว --neg-หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว --ไม่เอา หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว--ไม่เอาหมา", GROUP, draw(CAT, negatives=(DOG,))),
    ("/วาด แมว --รอบ ๑๒๐", GROUP, draw(CAT, steps=120)),
    ("/วาด แมว --รอบ120", GROUP, draw(CAT, steps=120)),
    ("/วาด แมว -รอบ 50", GROUP, draw(CAT, steps=50)),
    ("/วาด แมว --สไตล์ สีน้ำ", GROUP, draw(CAT, styles=("ภาพสีน้ำ",))),
    ("/วาด แมว --ขนาด 512x384", GROUP, draw(CAT, size=(512, 384))),
    ("/วาด แมว --เลขสุ่ม 7", GROUP, draw(CAT, seed=7)),
    ("/วาด แมว --รูปเริ่มต้น", GROUP, draw(CAT, use_init_image=True)),
    ("/วาด แมว -ish", GROUP, draw(("แมว -ish", 1.0))),  # one hyphen before no option name
    ("/วาด -_- แมว", GROUP, draw(("-_- แมว", 1.0))),
    ("/วาด บ้าน—ขนาดใหญ่", GROUP, draw(("บ้าน—ขนาดใหญ่", 1.0))),  # a dash in Thai text
    ("/วาด แมว --สวย", GROUP, refused(f"ไม่รู้จักตัวเลือก --สวย ใช้ได้: {OPTION_LIST}")),
    # Style names in Thai without "ภาพ", and English in either spelling
    ("/วาด แมว --style watercolor", GROUP, draw(CAT, styles=("ภาพสีน้ำ",))),
    ("/วาด แมว --style Water-Colour", GROUP, draw(CAT, styles=("ภาพสีน้ำ",))),
    ("/วาด แมว --style childs drawing", GROUP, draw(CAT, styles=("ภาพวาดโดยเด็ก",))),
    ("/วาด แมว --style การ์ตูน 3D", GROUP, draw(CAT, styles=("ภาพการ์ตูน", "ภาพ 3 มิติ"))),
    # A command word one letter off is a typo to point out, not a picture to draw
    ("/วาดด แมว", GROUP, refused("ไม่รู้จักคำสั่ง /วาดด หมายถึง /วาด หรือเปล่า", "help")),
    ("/วาดดด", GROUP, refused("ไม่รู้จักคำสั่ง /วาดดด หมายถึง /วาด หรือเปล่า", "help")),
    ("/วา แมว", GROUP, refused("ไม่รู้จักคำสั่ง /วา หมายถึง /วาด หรือเปล่า", "help")),
    ("/วาดี แมว", GROUP, refused("ไม่รู้จักคำสั่ง /วาดี หมายถึง /วาด หรือเปล่า", "help")),
    ("/คิวว", GROUP, refused("ไม่รู้จักคำสั่ง /คิวว หมายถึง /คิว หรือเปล่า", "help")),
    ("วาดด แมว", DIRECT, refused("ไม่รู้จักคำสั่ง /วาดด หมายถึง /วาด หรือเปล่า", "help")),
    ("/draws cat", DIRECT, refused("ไม่รู้จักคำสั่ง /draws หมายถึง /draw หรือเปล่า", "help")),
    ("/drawing cat", DIRECT, refused("ไม่รู้จักคำสั่ง /drawing หมายถึง /draw หรือเปล่า", "help")),
    ("/draws cat", GROUP, NOT_FOR_THE_BOT),  # an English word may be another bot's command
    ("/วาดดอกไม้", GROUP, draw(("ดอกไม้", 1.0))),  # ด starts the flower, not a doubled letter
    ("/วาดก", GROUP, draw(("ก", 1.0))),
    # The default negative prompt, replaced, weighted, removed, never doubled
    ("/วาด แมว --neg none", GROUP, draw(CAT, negatives=())),
    ("/วาด แมว --neg ไม่มี", GROUP, draw(CAT, negatives=())),
    ("/วาด แมว --ไม่เอา NONE", GROUP, draw(CAT, negatives=())),
    ("/วาด แมว --neg ไม่มี --neg หมา", GROUP, draw(CAT, negatives=(DOG,))),
    ('/วาด แมว --neg "ไม่มี"', GROUP, draw(CAT, negatives=(("ไม่มี", 0.4),))),  # quoted: literal
    ("/วาด แมว --neg ภาพเบลอ --neg ภาพเบลอ", GROUP, draw(CAT)),
    ("/วาด แมว | ภาพเบลอ:-0.6 --neg ภาพเบลอ", GROUP, draw(CAT, negatives=(("ภาพเบลอ", 0.6),))),
    ("/วาด แมว | หมา:-0.5", GROUP, draw(CAT, negatives=(("หมา", 0.5),))),
    (
        "/วาด แมว --neg-weight 0.7",
        GROUP,
        draw(CAT, negatives=(("ภาพเบลอ", 0.7),), negative_weight=0.7),
    ),
    ("/วาด แมว --neg-weight -1", GROUP, refused("น้ำหนักของ “ภาพเบลอ” ต้องอยู่ระหว่าง 0 ถึง 100")),
    # What the bot changes, it says
    ("/วาด แมว --size 500", GROUP, draw(CAT, size=(496, 496), notices=(ROUNDED.format(496, 496),))),
    ("/วาด แมว --steps 999", GROUP, refused("จำนวนรอบต้องอยู่ระหว่าง 1 ถึง 500 เช่น --steps 250")),
]

# Written the way people write in LINE groups and Discord servers.
AS_PEOPLE_WRITE: list[tuple[str, ParseContext, dict[str, Any]]] = [
    ("/วาด แมวส้มนอนบนโซฟา 555", GROUP, draw(("แมวส้มนอนบนโซฟา 555", 1.0))),
    ("@ThaiDraw วาดแมวส้มให้หน่อย", GROUP, draw(("แมวส้มให้หน่อย", 1.0))),
    ("@ThaiDraw คิวยาวไหม", GROUP, command("help")),
    (
        "/วาด ทะเลตอนพระอาทิตย์ตก 🌅 --style ภาพสีน้ำ",
        GROUP,
        draw(("ทะเลตอนพระอาทิตย์ตก 🌅", 1.0), styles=("ภาพสีน้ำ",)),
    ),
    (
        "/draw หมาชิบะใส่แว่น, cute, 4k --steps 300",
        GROUP,
        draw(("หมาชิบะใส่แว่น, cute, 4k", 1.0), steps=300),
    ),
    (
        "/วาด บ้านทรงไทย ริมคลอง --ไม่เอา คน --รอบ ๒๐๐",
        GROUP,
        draw(("บ้านทรงไทย ริมคลอง", 1.0), negatives=(("คน", 0.4),), steps=200),
    ),
    ("/วาดรูปแมวเหมียว --size 512×512", GROUP, draw(("รูปแมวเหมียว", 1.0), size=(512, 512))),
    ("/วาด ช้างสีชมพู —neg ภาพมืด", GROUP, draw(("ช้างสีชมพู", 1.0), negatives=(("ภาพมืด", 0.4),))),
    (
        "/วาด ภูเขาไฟฟูจิ + ซากุระ --style cartoon",
        GROUP,
        draw(("ภูเขาไฟฟูจิ + ซากุระ", 1.0), styles=("ภาพการ์ตูน",)),
    ),
    (
        "/วาด หุ่นยนต์ยักษ์ในกรุงเทพ--style ภาพยนตร์",
        GROUP,
        draw(("หุ่นยนต์ยักษ์ในกรุงเทพ", 1.0), styles=("ภาพยนตร์",)),
    ),
    ('/วาด ป้ายร้าน "ข้าวมันไก่" สีแดง', GROUP, draw(("ป้ายร้าน ข้าวมันไก่ สีแดง", 1.0))),
    (
        "/วาด นางฟ้า:2 | ปีกสีทอง:1 | ภาพเบลอ:-0.4",
        GROUP,
        draw(("นางฟ้า", 2.0), ("ปีกสีทอง", 1.0), negatives=(BLURRY,)),
    ),
    ("/วาด ตลาดน้ำ ตอนเช้า!! --seed 1234", GROUP, draw(("ตลาดน้ำ ตอนเช้า!!", 1.0), seed=1234)),
    ("/วาด แมว\u200bดำ", GROUP, draw(("แมวดำ", 1.0))),
    (
        "/วาด ก๋วยเตี๋ยวเรือ ชามใหญ่ๆ --style ภาพ 3 มิติ",
        GROUP,
        draw(("ก๋วยเตี๋ยวเรือ ชามใหญ่ๆ", 1.0), styles=("ภาพ 3 มิติ",)),
    ),
    (
        "/วาด วัดอรุณตอนกลางคืน --steps=150 --size=384",
        GROUP,
        draw(("วัดอรุณตอนกลางคืน", 1.0), steps=150, size=(384, 384)),
    ),
    ("/Draw A Cat In Space", GROUP, draw(("A Cat In Space", 1.0))),
    (
        "/วาด มังกรไทย --style ภาพสีน้ำมัน, ภาพแฟนตาซี",
        GROUP,
        draw(("มังกรไทย", 1.0), styles=("ภาพสีน้ำมัน", "ภาพแฟนตาซี")),
    ),
    (
        "/วาด ดอกบัว --neg ภาพเบลอ | น้ำขุ่น",
        GROUP,
        draw(("ดอกบัว", 1.0), negatives=(BLURRY, ("น้ำขุ่น", 0.4))),
    ),
    (
        "/วาด ปลากัด สีน้ำเงิน --style watercolor --neg ไม่มี",
        GROUP,
        draw(("ปลากัด สีน้ำเงิน", 1.0), negatives=(), styles=("ภาพสีน้ำ",)),
    ),
    ("/สไตล์ มีอะไรบ้าง", GROUP, command("styles")),
    ("555 วาดไม่เป็น", GROUP, NOT_FOR_THE_BOT),
    (
        "/วาด สาวน้อยในชุดไทย 👘✨ --ขนาด 320x480",
        GROUP,
        draw(("สาวน้อยในชุดไทย 👘✨", 1.0), size=(320, 480)),
    ),
    (
        "/วาด ยักษ์วัดแจ้ง ตัวใหญ่มากกก --size 1024x1024",
        GROUP,
        refused("ขนาดภาพต้องอยู่ระหว่าง 64 ถึง 512 พิกเซลต่อด้าน เช่น --size 256x256"),
    ),
    (
        "/วาด หมีแพนด้ากินไผ่ --seed ๔๒ --steps 100",
        GROUP,
        draw(("หมีแพนด้ากินไผ่", 1.0), seed=42, steps=100),
    ),
    (
        "/วาด เด็กเล่นน้ำสงกรานต์ -neg คนแก่",
        GROUP,
        draw(("เด็กเล่นน้ำสงกรานต์", 1.0), negatives=(("คนแก่", 0.4),)),
    ),
    (
        "/วาด แมวส้ม --steps 120รอบ",
        GROUP,
        refused("--steps ต้องเป็นจำนวนเต็ม แต่ได้ “120รอบ” ให้เขียนเช่น --steps 250"),
    ),
    ("/วาดด หมาน้อย", GROUP, refused("ไม่รู้จักคำสั่ง /วาดด หมายถึง /วาด หรือเปล่า", "help")),
    (
        "/วาด ถนนข้าวสาร ตอนกลางคืน, neon lights, cyberpunk",
        GROUP,
        draw(("ถนนข้าวสาร ตอนกลางคืน, neon lights, cyberpunk", 1.0)),
    ),
    (
        "/วาด ผีไทย นางนาก --neg ภาพการ์ตูน --style ภาพยนตร์ --size 256 x 384",
        GROUP,
        draw(
            ("ผีไทย นางนาก", 1.0),
            negatives=(("ภาพการ์ตูน", 0.4),),
            styles=("ภาพยนตร์",),
            size=(256, 384),
        ),
    ),
    (
        "/วาด พระจันทร์เต็มดวง (full moon) เหนือทุ่งนา",
        GROUP,
        draw(("พระจันทร์เต็มดวง (full moon) เหนือทุ่งนา", 1.0)),
    ),
    ("ThaiDraw วาด แมว", GROUP, NOT_FOR_THE_BOT),  # a name without @ is not a mention
    ("@ThaiDraw /วาด ต้นมะม่วง --รอบ=80", GROUP, draw(("ต้นมะม่วง", 1.0), steps=80)),
    ("/วาด ท้องฟ้า~~ สีชมพู ><", GROUP, draw(("ท้องฟ้า~~ สีชมพู ><", 1.0))),
    ("/วาด แมว:1.5|หมา:0.5", GROUP, draw(("แมว", 1.5), ("หมา", 0.5))),
    ("/วาด รถตุ๊กตุ๊ก ｔｕｋｔｕｋ", GROUP, draw(("รถตุ๊กตุ๊ก tuktuk", 1.0))),
    ("/วาด ช้าง —ขนาด ๕๑๒", GROUP, draw(("ช้าง", 1.0), size=(512, 512))),
    (
        "/วาด ไก่ทอด ใส่กล่อง --size 500x300",
        GROUP,
        draw(("ไก่ทอด ใส่กล่อง", 1.0), size=(496, 288), notices=(ROUNDED.format(496, 288),)),
    ),
    (
        "/วาด ปราสาททราย ริมทะเล --style สีน้ำ --style การ์ตูน",
        GROUP,
        draw(("ปราสาททราย ริมทะเล", 1.0), styles=("ภาพสีน้ำ", "ภาพการ์ตูน")),
    ),
    ('/วาด ข้อความ "--neg" บนป้าย', GROUP, draw(("ข้อความ --neg บนป้าย", 1.0))),
    ("วาดแมวใส่หมวก", DIRECT, draw(("แมวใส่หมวก", 1.0))),
    ("คิวปิดยิงธนู", DIRECT, NOT_FOR_THE_BOT),  # Cupid: a word that begins like /คิว
]


@pytest.mark.parametrize(
    ("message", "context", "expected"), TABLE + AS_PEOPLE_WRITE, ids=lambda value: repr(value)
)
def test_message_is_understood_as_documented(
    message: str, context: ParseContext, expected: dict[str, Any]
) -> None:
    assert parse_message(message, context).to_json() == expected


def test_the_table_covers_every_command_and_at_least_sixty_messages() -> None:
    commands = {expected["command"] for _, _, expected in TABLE}
    assert commands == {"draw", "help", "styles", "queue", "cancel", "stats", None}
    assert len(TABLE) >= 60


def test_the_corpus_has_thirty_messages_written_as_people_write_them() -> None:
    assert len(AS_PEOPLE_WRITE) >= 30


def test_an_understood_draw_carries_a_valid_request_with_quoted_text_in_place() -> None:
    parsed = parse_message('/วาด "เวลา 10:30" --neg "a:b" --size 300', GROUP)
    assert parsed.ok
    assert parsed.request is not None
    assert validate(parsed.request, GROUP.limits) == parsed.request
    assert [prompt.text for prompt in parsed.request.prompts] == ["เวลา 10:30"]
    assert [prompt.text for prompt in parsed.request.negatives] == ["a:b"]


@pytest.mark.parametrize(
    ("message", "context"),
    [
        (message, context)
        for message, context, expected in TABLE + AS_PEOPLE_WRITE
        if not expected["ok"]
    ],
    ids=repr,
)
def test_every_refusal_has_an_english_twin(message: str, context: ParseContext) -> None:
    parsed = parse_message(message, context)
    assert parsed.error_english
    assert parsed.error_english != parsed.error
    assert not any("\u0e01" <= character <= "\u0e3a" for character in parsed.error_english[:12])


@pytest.mark.parametrize(
    ("message", "english"),
    [
        (
            "/วาด แมว --steps many",
            "--steps must be a whole number, not 'many'; write e.g. --steps 250",
        ),
        ("/วาด แมว --ngg หมา", "Unknown option --ngg; did you mean --neg?"),
        ("/วาด แมว --init=1", "The option --init takes no value; write just --init"),
        ("/วาด เลือด", "The message has a word the bot does not draw; change it and try again."),
        ("/วาดด แมว", "Unknown command /วาดด; did you mean /วาด?"),
        ("/วาด แมว --steps", "The option --steps needs a value after it, e.g. --steps 250"),
    ],
)
def test_refusals_say_the_same_in_english(message: str, english: str) -> None:
    assert parse_message(message, GROUP).error_english == english


def test_notices_have_english_twins() -> None:
    parsed = parse_message("/วาด แมว --size 500x300 --seed 1 --seed 2", GROUP)
    assert parsed.notices_english == (
        "--seed was given more than once; the last one (2) is used.",
        "The size became 496×288: each side must be a multiple of 16.",
    )
    assert len(parsed.notices) == 2


def test_limits_come_from_the_context() -> None:
    tight = ParseContext(limits=RequestLimits(max_steps=50, max_size=128))
    assert parse_message("/วาด แมว --steps 60", tight).error == (
        "จำนวนรอบต้องอยู่ระหว่าง 1 ถึง 50 เช่น --steps 250"
    )
    assert parse_message("/วาด แมว --steps 50 --size 128", tight).ok


def test_without_bot_names_a_mention_is_ordinary_text() -> None:
    assert parse_message("@ThaiDraw วาด แมว", ParseContext()).command is None


def test_a_refused_command_has_no_request() -> None:
    parsed = parse_message("/วาด --steps 5", GROUP)
    assert (parsed.ok, parsed.request) == (False, None)


# --- any input at all --------------------------------------------------------------------------

FRAGMENTS = [
    "/วาด",
    "/draw",
    "วาด",
    "/ยกเลิก",
    "/คิว",
    "/help",
    "@ThaiDraw",
    f"<@{BOT_ID}>",
    "--neg",
    "—neg",
    "–steps",
    "--steps",
    "--size",
    "--seed",
    "--style",
    "--aesthetic",
    "--neg-weight",
    "--augment",
    "--init",
    "--",
    "－－ｓｔｅｐｓ",
    "ภาพ 3 มิติ",
    "cartoon",
    "คฤหาสน์",
    "ภาพเบลอ",
    "เลือด",
    "|",
    ":",
    ":0",
    ":-1",
    ":0.5",
    ":1e9",
    "512x512",
    "×",
    "x",
    "๒๕๐",
    "250",
    "-1",
    "99999999999999999999",
    "nan",
    '"',
    "“",
    "”",
    "\u200b",
    "\n",
    "  ",
    "\U000f0000",
]

DRAW_KEYS = {
    "ok",
    "notices",
    "command",
    "prompts",
    "negatives",
    "styles",
    "steps",
    "width",
    "height",
    "seed",
    "aesthetic_weight",
    "negative_weight",
    "augment",
    "use_init_image",
}


def assert_documented_json(parsed: ParsedCommand) -> None:
    data = parsed.to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    if not data["ok"]:
        assert set(data) == {"ok", "command", "error"}
        assert isinstance(data["error"], str)
        assert data["error"]
        assert data["command"] in {"draw", "help"}
    elif data["command"] == "draw":
        assert set(data) == DRAW_KEYS
        assert data["prompts"]
    elif data["command"] == "cancel":
        assert set(data) <= {"ok", "command", "job_id"}
    else:
        assert set(data) == {"ok", "command"}
        assert data["command"] in {None, "help", "styles", "queue", "stats"}


@settings(max_examples=300, deadline=None)
@given(text=st.text(), direct=st.booleans())
def test_any_text_gives_documented_json_and_never_raises(text: str, direct: bool) -> None:
    assert_documented_json(parse_message(text, DIRECT if direct else GROUP))


@settings(max_examples=500, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=12),
    separator=st.sampled_from([" ", "", "\n"]),
    direct=st.booleans(),
)
def test_messages_built_from_command_fragments_give_documented_json(
    pieces: list[str], separator: str, direct: bool
) -> None:
    assert_documented_json(parse_message(separator.join(pieces), DIRECT if direct else GROUP))
