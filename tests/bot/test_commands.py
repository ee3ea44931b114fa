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
    "ภาพสวย, ภาพยนตร์, ภาพสีอะคริลิค, ภาพสีน้ำ, ภาพการ์ตูน, ภาพคุณภาพสูง, ภาพวาด, ภาพ 3 มิติ, "
    "ภาพวาดโดยเด็ก, ภาพแฟนตาซี, ภาพประติมากรรม, 1990, ภาพสีน้ำมัน, ภาพวาดด้วยดินสอ, ภาพเกม"
)


def draw(
    *prompts: tuple[str, float],
    negatives: tuple[tuple[str, float], ...] = (),
    styles: tuple[str, ...] = (),
    steps: int = 250,
    size: tuple[int, int] = (256, 256),
    seed: int | None = None,
    aesthetic_weight: float = 0.005,
    negative_weight: float = 0.4,
    use_init_image: bool = False,
) -> dict[str, Any]:
    """The JSON of an understood draw; the defaults are DrawRequest's."""
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
        "use_init_image": use_init_image,
    }


def command(name: str | None, **extra: Any) -> dict[str, Any]:
    return {"ok": True, "command": name, **extra}


def refused(error: str, name: str = "draw") -> dict[str, Any]:
    return {"ok": False, "command": name, "error": error}


MANSION = ("คฤหาสน์", 1.0)
BLURRY = ("ภาพเบลอ", 0.4)
NOT_FOR_THE_BOT = command(None)
NOTHING_TO_DRAW = refused("ยังไม่มีข้อความสำหรับวาด ลองพิมพ์ เช่น /วาด คฤหาสน์ แฟนตาซี")
BLOCKED = refused("ข้อความนี้มีคำที่บอทไม่รับวาด ลองเปลี่ยนคำแล้วสั่งใหม่นะ")

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
    ("/วาด คฤหาสน์ --steps 100 --steps 200", GROUP, draw(MANSION, steps=200)),
    ("/วาด คฤหาสน์ --size 512x384", GROUP, draw(MANSION, size=(512, 384))),
    ("/วาด คฤหาสน์ --size 320×240", GROUP, draw(MANSION, size=(320, 240))),
    ("/วาด คฤหาสน์ --size 300X300", GROUP, draw(MANSION, size=(288, 288))),
    ("/วาด คฤหาสน์ --size 128", GROUP, draw(MANSION, size=(128, 128))),
    ("/วาด คฤหาสน์ --size 512 x 512 แฟนตาซี", GROUP, draw(("คฤหาสน์ แฟนตาซี", 1.0), size=(512, 512))),
    ("/วาด คฤหาสน์ --seed 42", GROUP, draw(MANSION, seed=42)),
    ("/วาด คฤหาสน์ --aesthetic 0.01", GROUP, draw(MANSION, aesthetic_weight=0.01)),
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
        refused("ไม่รู้จักตัวเลือก --init=yes หมายถึง --init หรือเปล่า"),
    ),
    (
        "/วาด คฤหาสน์ --colour red",
        GROUP,
        refused(
            "ไม่รู้จักตัวเลือก --colour ใช้ได้: "
            "--neg --style --steps --size --seed --aesthetic --neg-weight --init"
        ),
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
]


@pytest.mark.parametrize(("message", "context", "expected"), TABLE, ids=lambda value: repr(value))
def test_message_is_understood_as_documented(
    message: str, context: ParseContext, expected: dict[str, Any]
) -> None:
    assert parse_message(message, context).to_json() == expected


def test_the_table_covers_every_command_and_at_least_sixty_messages() -> None:
    commands = {expected["command"] for _, _, expected in TABLE}
    assert commands == {"draw", "help", "styles", "queue", "cancel", "stats", None}
    assert len(TABLE) >= 60


def test_an_understood_draw_carries_a_valid_request_with_quoted_text_in_place() -> None:
    parsed = parse_message('/วาด "เวลา 10:30" --neg "a:b" --size 300', GROUP)
    assert parsed.ok
    assert parsed.request is not None
    assert validate(parsed.request, GROUP.limits) == parsed.request
    assert [prompt.text for prompt in parsed.request.prompts] == ["เวลา 10:30"]
    assert [prompt.text for prompt in parsed.request.negatives] == ["a:b"]


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
