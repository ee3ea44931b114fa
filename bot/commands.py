"""The command language every platform shares: a chat message → a command and its draw request.

Grammar (after `clean_text`): an optional leading mention of the bot; a command word (`/วาด`,
`/draw`, …; without the slash too when the bot is addressed); for a draw, prompt words mixed with
options. Text options (`--neg`, `--style`) take every word up to the next option; number options
take one word; `--init` takes none. Words in double quotes are literal prompt text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from bot import messages
from bot.text_cleanup import Word, clean_text, split_words
from generator.request import (
    DrawRequest,
    RequestError,
    RequestLimits,
    WeightedPrompt,
    build_request,
    parse_size,
    resolve_style,
    validate,
)
from generator.styles import STYLE_ENGLISH, STYLE_PRESETS, find_style

if TYPE_CHECKING:
    from bot.settings import BotSettings

COMMAND_NAMES: dict[str, str] = {
    "วาด": "draw",
    "draw": "draw",
    "ช่วยเหลือ": "help",
    "help": "help",
    "สไตล์": "styles",
    "styles": "styles",
    "คิว": "queue",
    "queue": "queue",
    "ยกเลิก": "cancel",
    "cancel": "cancel",
    "สถิติ": "stats",
    "stats": "stats",
}
# Thai is written without spaces, so `/วาดแมว` is `/วาด แมว`; none of these is a prefix of another.
_THAI_COMMAND_NAMES = tuple(name for name in COMMAND_NAMES if not name.isascii())

_MOST_WORDS_IN_A_STYLE = max(
    len(name.split()) for name in (*STYLE_PRESETS, *STYLE_ENGLISH.values())
)
# Longer than any chat platform sends; it bounds the work one message can cause.
MAX_MESSAGE_CHARS = 20_000


@dataclass(frozen=True)
class DrawOption:
    name: str
    kind: Literal["text", "integer", "number", "size", "flag"]
    example: str
    field: str | None = None  # the DrawRequest field a number option sets


DRAW_OPTIONS: dict[str, DrawOption] = {
    option.name: option
    for option in (
        DrawOption("neg", "text", "--neg ภาพเบลอ"),
        DrawOption("style", "text", "--style ภาพสีน้ำ"),
        DrawOption("steps", "integer", "--steps 250", "steps"),
        DrawOption("size", "size", "--size 256x256"),
        DrawOption("seed", "integer", "--seed 42", "seed"),
        DrawOption("aesthetic", "number", "--aesthetic 0.005", "aesthetic_weight"),
        DrawOption("neg-weight", "number", "--neg-weight 0.4", "negative_weight"),
        DrawOption("init", "flag", "--init"),
    )
}
_OPTION_START = re.compile(r"--[^\W\d_]")  # `--` and a letter; a lone `--` or `--5` is text
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_LONGEST_INTEGER = 18  # longer is out of every range; int() refuses over 4300 digits anyway
_SIZE_SEPARATORS = frozenset({"x", "X", "×", "*"})
# Job ids are URL-safe tokens; other words after /ยกเลิก (`/ยกเลิกงาน`) mean "my job".
_JOB_ID = re.compile(r"[A-Za-z0-9_-]+")
_COMMAND_HEAD = re.compile(r'(?P<head>[^\s"]*)\s?(?P<rest>.*)', re.S)


@dataclass(frozen=True)
class ParseContext:
    """Where a message was written and what the operator allows."""

    limits: RequestLimits = field(default_factory=RequestLimits)
    blocklist: tuple[str, ...] = ()  # refused words, matched after clean-up, ignoring case
    # Names the bot is mentioned by: `@name`, or a platform user id as Discord writes it (`<@id>`).
    bot_names: tuple[str, ...] = ()
    direct: bool = False  # a one-to-one chat, where every message is addressed to the bot

    @classmethod
    def from_settings(cls, settings: BotSettings, *, direct: bool = False) -> ParseContext:
        return cls(settings.limits(), settings.blocklist, settings.bot_names, direct)


@dataclass(frozen=True)
class ParsedCommand:
    """What a message asks for; `error` (one Thai sentence) when it was understood but refused.

    `command` is None only for messages not meant for the bot; an unknown command written to
    the bot is refused under "help".
    """

    command: str | None
    request: DrawRequest | None = None
    error: str | None = None
    job_id: str | None = None  # for cancel
    use_init_image: bool = False  # start from the user's last sent picture

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The JSON of `thaidraw parse` (DESIGN.md §2)."""
        if self.error is not None:
            return {"ok": False, "command": self.command, "error": self.error}
        data: dict[str, Any] = {"ok": True, "command": self.command}
        if self.request is not None:
            request = self.request
            data |= {
                "prompts": [asdict(prompt) for prompt in request.prompts],
                "negatives": [asdict(prompt) for prompt in request.negatives],
                "styles": list(request.styles),
                "steps": request.steps,
                "width": request.width,
                "height": request.height,
                "seed": request.seed,
                "aesthetic_weight": request.aesthetic_weight,
                "negative_weight": request.negative_weight,
                "use_init_image": self.use_init_image,
            }
        if self.job_id is not None:
            data["job_id"] = self.job_id
        return data


class _Refusal(Exception):
    """A message the parser understood but cannot accept; `thai` says why and how to write it."""

    def __init__(self, thai: str) -> None:
        super().__init__(thai)
        self.thai = thai


def parse_message(text: str, context: ParseContext) -> ParsedCommand:
    """How the bot understands a chat message. Never raises: a refusal carries a Thai sentence."""
    body, mentioned = strip_mention(clean_text(text), context.bot_names)
    try:
        command, rest = split_command(body, addressed=mentioned or context.direct)
    except _Refusal as refusal:
        # Refused under "help": `command: None` means "not for the bot", which this message was.
        return ParsedCommand("help", error=refusal.thai)
    if command is None:
        # Someone who tags the bot without a command is talking to it but does not know the
        # commands yet: the help text is the most useful single answer.
        return ParsedCommand("help" if mentioned else None)
    if command == "draw":
        return parse_draw(rest, context)
    if command == "cancel":
        words = split_words(rest)
        job_id = words[0].text if words and _JOB_ID.fullmatch(words[0].text) else None
        return ParsedCommand("cancel", job_id=job_id)
    return ParsedCommand(command)


def strip_mention(text: str, bot_names: tuple[str, ...]) -> tuple[str, bool]:
    """The text without leading mentions of the bot, and whether there was one."""
    pattern = _mention_pattern(bot_names)
    match = pattern.match(text) if pattern else None
    if match is None:
        return text, False
    return text[match.end() :], True


@lru_cache(maxsize=16)
def _mention_pattern(bot_names: tuple[str, ...]) -> re.Pattern[str] | None:
    names = [re.escape(name) for name in map(clean_text, bot_names) if name]
    if not names:
        return None
    either = "|".join(names)
    return re.compile(rf"(?:(?:@(?:{either})(?!\w)|<@!?(?:{either})>)\s*)+", re.IGNORECASE)


def split_command(body: str, *, addressed: bool) -> tuple[str | None, str]:
    """(command, the rest of the message); command is None for ordinary chat.

    Raises _Refusal for an unknown slash command written to the bot.
    """
    slash = body.startswith("/")
    match = _COMMAND_HEAD.match(body[1:].lstrip() if slash else body)
    assert match is not None  # every part of the pattern may be empty
    head, rest = match["head"], match["rest"]
    command = COMMAND_NAMES.get(head.casefold())
    if command is not None and (slash or addressed):
        return command, rest
    if not slash or not head:
        return None, body
    for name in _THAI_COMMAND_NAMES:
        remainder = head.removeprefix(name)
        # A following combining mark belongs to the last letter: `/วาดี` is not `/วาด ี`.
        if remainder != head and unicodedata.category(remainder[0])[0] != "M":
            return COMMAND_NAMES[name], f"{remainder} {rest}"
    if not addressed:
        return None, body  # perhaps another bot's command
    suggestion = difflib.get_close_matches(head.casefold(), COMMAND_NAMES, n=1, cutoff=0.5)
    raise _Refusal(messages.unknown_command(head, suggestion[0] if suggestion else None))


def parse_draw(text: str, context: ParseContext) -> ParsedCommand:
    """The words after `/วาด` → a validated draw request, or the Thai sentence why not."""
    quoted = QuotedTexts()
    try:
        if len(text) > MAX_MESSAGE_CHARS:
            raise _Refusal(messages.message_too_long(context.limits.max_prompt_chars))
        options = read_draw_options(split_words(text), quoted)
        request = build_request(
            " ".join(options.prompt),
            context.limits,
            negatives=options.negatives,
            styles=options.styles,
            **options.numbers,
        )
        # Checked again with the quoted texts in place: they count towards the length limit.
        request = validate(quoted.reveal_request(request), context.limits)
        refuse_blocked_words(request, context.blocklist)
    except RequestError as error:
        return ParsedCommand("draw", error=quoted.reveal(error.thai))
    except _Refusal as refusal:
        return ParsedCommand("draw", error=quoted.reveal(refusal.thai))
    return ParsedCommand("draw", request, use_init_image=options.use_init_image)


class QuotedTexts:
    """Quoted words stand in as single private-use characters while the prompt syntax (`|`,
    `:weight`) is read, so that it passes over them; `reveal` puts them back.

    `clean_text` removes private-use characters from messages, so the stand-ins are unambiguous.
    """

    _FIRST = 0xF0000  # Supplementary Private Use Area-A, room for more than MAX_MESSAGE_CHARS
    _STAND_IN = re.compile("[\U000f0000-\U000fffff]")

    def __init__(self) -> None:
        self._texts: list[str] = []

    def hide(self, word: Word) -> str:
        if not word.quoted:
            return word.text
        self._texts.append(word.text)
        return chr(self._FIRST + len(self._texts) - 1)

    def reveal(self, text: str) -> str:
        return self._STAND_IN.sub(lambda match: self._texts[ord(match[0]) - self._FIRST], text)

    def reveal_request(self, request: DrawRequest) -> DrawRequest:
        def reveal_all(prompts: tuple[WeightedPrompt, ...]) -> tuple[WeightedPrompt, ...]:
            return tuple(replace(prompt, text=self.reveal(prompt.text)) for prompt in prompts)

        return replace(
            request, prompts=reveal_all(request.prompts), negatives=reveal_all(request.negatives)
        )


@dataclass
class DrawOptions:
    """The parts of a draw message, before they are checked together."""

    prompt: list[str] = field(default_factory=list)  # words, quoted ones hidden
    negatives: list[str] = field(default_factory=list)  # one text per --neg, quoted ones hidden
    styles: list[str] = field(default_factory=list)  # preset names
    numbers: dict[str, Any] = field(default_factory=dict)  # build_request's keyword arguments
    use_init_image: bool = False


def is_option(word: Word) -> bool:
    return not word.quoted and _OPTION_START.match(word.text) is not None


def read_draw_options(words: list[Word], quoted: QuotedTexts) -> DrawOptions:
    """Sort the words after `/วาด` into prompt words and option values."""
    options = DrawOptions()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not is_option(word):
            options.prompt.append(quoted.hide(word))
            continue
        option = find_option(word.text)
        if option.kind == "flag":
            options.use_init_image = True
            continue
        count = _value_length(option, words, index)
        if count == 0:
            raise _Refusal(messages.option_without_value(word.text, option.example))
        values, index = words[index : index + count], index + count
        if option.name == "neg":
            options.negatives.append(" ".join(quoted.hide(value) for value in values))
        elif option.name == "style":
            options.styles.extend(read_styles(values))
        elif option.name == "size":
            width, height = parse_size(" ".join(value.text for value in values))
            options.numbers |= {"width": width, "height": height}
        else:
            assert option.field is not None  # every number option names its field
            options.numbers[option.field] = read_number(option, values[0].text)
    return options


def find_option(word: str) -> DrawOption:
    """The option `--name` names, or a _Refusal suggesting the nearest one."""
    name = word[2:].casefold()
    if name in DRAW_OPTIONS:
        return DRAW_OPTIONS[name]
    known = [f"--{known}" for known in DRAW_OPTIONS]
    nearest = difflib.get_close_matches(name, DRAW_OPTIONS, n=1, cutoff=0.5)
    raise _Refusal(messages.unknown_option(word, f"--{nearest[0]}" if nearest else None, known))


def _value_length(option: DrawOption, words: list[Word], start: int) -> int:
    """How many words from `start` make the option's value."""
    end = start
    while end < len(words) and not is_option(words[end]):
        end += 1
    available = end - start
    if option.kind == "text":
        return available
    if option.kind == "size" and available >= 3 and words[start + 1].text in _SIZE_SEPARATORS:
        return 3  # `512 x 512`
    return min(available, 1)


def read_number(option: DrawOption, text: str) -> int | float:
    if option.kind == "integer":
        if not _INTEGER.fullmatch(text):
            raise _Refusal(messages.not_an_integer(f"--{option.name}", text, option.example))
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        return sign * 10**_LONGEST_INTEGER if len(digits) > _LONGEST_INTEGER else int(text)
    if not _DECIMAL.fullmatch(text):
        raise _Refusal(messages.not_a_number(f"--{option.name}", text, option.example))
    return float(text)


def read_styles(words: list[Word]) -> list[str]:
    """Preset names after one `--style`: several may follow it (`ภาพสีน้ำ cartoon`), and a
    name may have spaces (`ภาพ 3 มิติ`), so the longest run of words that names one is taken."""
    pieces = [
        piece
        for word in words
        for piece in ([word.text] if word.quoted else re.split(r"[\s,]+", word.text))
        if piece
    ]
    styles = []
    start = 0
    while start < len(pieces):
        for end in range(min(len(pieces), start + _MOST_WORDS_IN_A_STYLE), start, -1):
            style = find_style(" ".join(pieces[start:end]))
            if style is not None:
                styles.append(style)
                start = end
                break
        else:
            resolve_style(pieces[start])  # raises the refusal that lists every preset
    return styles


def refuse_blocked_words(request: DrawRequest, blocklist: tuple[str, ...]) -> None:
    pattern = _blocklist_pattern(blocklist)
    texts = " ".join(prompt.text for prompt in request.prompts + request.negatives)
    if pattern is not None and pattern.search(texts.casefold()):
        raise _Refusal(messages.BLOCKED_WORD)


@lru_cache(maxsize=16)
def _blocklist_pattern(blocklist: tuple[str, ...]) -> re.Pattern[str] | None:
    terms = [clean_text(term).casefold() for term in blocklist]
    alternatives = [_blocked_term(term) for term in terms if term]
    return re.compile("|".join(alternatives)) if alternatives else None


def _blocked_term(term: str) -> str:
    # A Latin-script term matches whole words only ("ass" is not in "class"); Thai is written
    # without spaces between words, so a Thai term matches anywhere.
    before = r"(?<![a-z0-9])" if term[0].isascii() and term[0].isalnum() else ""
    after = r"(?![a-z0-9])" if term[-1].isascii() and term[-1].isalnum() else ""
    return before + re.escape(term) + after
