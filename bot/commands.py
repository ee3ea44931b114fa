"""The command language every platform shares: a chat message → a command and its draw request.

Grammar (after `clean_text`): an optional leading mention of the bot; a command word (`/วาด`,
`/draw`, …; without the slash too when the bot is addressed); for a draw, prompt words mixed with
options (bot/draw_options.py). Text options (`--neg`, `--style`) take every word up to the next
option; number options take one word; `--init` takes none. Words in double quotes are literal
prompt text.

Every step reads the message in one pass (or a bounded number), and a message longer than
MAX_MESSAGE_CHARS is refused from its first words alone, so no message can stall the bot.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot import messages
from bot.draw_options import CHOICE_VALUES, DrawOption, OptionWord, Refusal, read_words
from bot.messages import Sentence
from bot.text_cleanup import Word, clean_text, split_words
from generator.request import (
    SIZE_STEP,
    DrawRequest,
    RequestError,
    RequestLimits,
    build_request,
    parse_size,
    read_decimal,
    resolve_style,
)
from generator.styles import MOST_WORDS_IN_A_STYLE, find_style

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
# Without the slash (`@ThaiDraw วาดแมว`) only the draw command is read off the front of a word:
# words that begin like the others are ordinary (`คิวปิด`, Cupid, is not `คิว ปิด`).
_THAI_DRAW = "วาด"
_LONGEST_COMMAND = max(map(len, COMMAND_NAMES))

# Longer than any platform sends (LINE 5,000 characters, Discord's options together, the web
# form's fields together); it bounds the work one message can cause.
MAX_MESSAGE_CHARS = 20_000
# What is read of a longer message: enough to see whom it is for and which command it is.
_HEAD_OF_A_LONG_MESSAGE = 500

_INTEGER = re.compile(r"[+-]?+\d++")
_LONGEST_INTEGER = 18  # longer is out of every range; int() refuses over 4300 digits anyway
_SIZE_SEPARATORS = frozenset({"x", "X", "×", "*"})
# Job ids are URL-safe tokens; other words after /ยกเลิก (`/ยกเลิกงาน`) mean "my job".
_JOB_ID = re.compile(r"[A-Za-z0-9_-]++")
_COMMAND_HEAD = re.compile(r'(?P<head>[^\s"]*+)\s?+(?P<rest>.*+)', re.S)


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
    the bot is refused under "help". `notices` say what the bot changed in an accepted draw
    (a size rounded to a multiple of 16, an option given twice); each has an English twin.
    """

    command: str | None
    request: DrawRequest | None = None
    error: str | None = None
    error_english: str | None = None
    job_id: str | None = None  # for cancel
    use_init_image: bool = False  # start from the user's last sent picture
    notices: tuple[str, ...] = ()
    notices_english: tuple[str, ...] = ()

    @classmethod
    def refused(cls, command: str, sentence: Sentence) -> ParsedCommand:
        return cls(command, error=sentence.thai, error_english=sentence.english)

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
                "augment": request.augment,
                "use_init_image": self.use_init_image,
                "notices": list(self.notices),
            }
        if self.job_id is not None:
            data["job_id"] = self.job_id
        return data


def parse_message(text: str, context: ParseContext) -> ParsedCommand:
    """How the bot understands a chat message. Never raises: a refusal carries a Thai sentence."""
    if len(text) > MAX_MESSAGE_CHARS:
        # The limit comes first: only the head is read, to learn whether to answer at all.
        parsed = parse_message(text[:_HEAD_OF_A_LONG_MESSAGE], context)
        if parsed.command != "draw":
            return parsed
        too_long = messages.message_too_long(context.limits.max_prompt_chars)
        return ParsedCommand.refused("draw", too_long)
    body, mentioned = strip_mention(clean_text(text), context.bot_names)
    try:
        command, rest = split_command(body, addressed=mentioned or context.direct)
    except Refusal as refusal:
        # Refused under "help": `command: None` means "not for the bot", which this message was.
        return ParsedCommand.refused("help", refusal.sentence)
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
    # Atomic: each mention is matched once and never given back, so `@ThaiDraw` × 10,000 is one
    # pass (after clean_text, a run of spaces is one space).
    return re.compile(rf"(?>(?:@(?:{either})(?!\w)|<@!?(?:{either})>)\s?)+", re.IGNORECASE)


def split_command(body: str, *, addressed: bool) -> tuple[str | None, str]:
    """(command, the rest of the message); command is None for ordinary chat.

    Raises Refusal for an unknown slash command written to the bot, and for a slash word one
    letter away from a command name (`/วาดด`, `/วา`): a typo, not a picture of "ด".
    """
    slash = body.startswith("/")
    match = _COMMAND_HEAD.match(body[1:].lstrip() if slash else body)
    assert match is not None  # every part of the pattern may be empty
    head, rest = match["head"], match["rest"]
    command = COMMAND_NAMES.get(head.casefold())
    if command is not None and (slash or addressed):
        return command, rest
    if not slash:
        if addressed and _doubled_last_letter(head.casefold(), _THAI_DRAW):
            raise Refusal(messages.unknown_command(head, _THAI_DRAW))
        glued = _glued_command(head, (_THAI_DRAW,)) if addressed else None
        return (COMMAND_NAMES[glued[0]], f"{glued[1]} {rest}") if glued else (None, body)
    if not head:
        return None, body
    meant = misspelt_command(head)
    # A Thai command name is surely ours; an English one in a group may be another bot's.
    if meant is not None and (addressed or not meant.isascii()):
        raise Refusal(messages.unknown_command(head, meant))
    glued = _glued_command(head, _THAI_COMMAND_NAMES)
    if glued is not None:
        return COMMAND_NAMES[glued[0]], f"{glued[1]} {rest}"
    if not addressed:
        return None, body  # perhaps another bot's command
    suggestion = None
    if len(head) <= 2 * _LONGEST_COMMAND:  # difflib's cost grows with the length
        close = difflib.get_close_matches(head.casefold(), COMMAND_NAMES, n=1, cutoff=0.5)
        suggestion = close[0] if close else None
    raise Refusal(messages.unknown_command(head, suggestion))


def _glued_command(head: str, names: tuple[str, ...]) -> tuple[str, str] | None:
    """(name, the words after it) when `head` is a Thai command name with words glued on."""
    for name in names:
        remainder = head.removeprefix(name)
        # A following combining mark belongs to the last letter: `/วาดี` is not `/วาด ี`.
        if remainder != head and unicodedata.category(remainder[0])[0] != "M":
            return name, remainder
    return None


def misspelt_command(head: str) -> str | None:
    """The command name `head` misses by one letter (`วา`, `draws`), or by a doubled last
    letter (`วาดด`, `วาดดด`); None for a command name followed by words (`วาดแมว`)."""
    word = head.casefold()
    if len(word) > _LONGEST_COMMAND + 1 and not word.startswith(_THAI_COMMAND_NAMES):
        return None
    for name in COMMAND_NAMES:
        if _doubled_last_letter(word, name):
            return name
        if name in _THAI_COMMAND_NAMES and _glued_command(word, (name,)):
            continue  # the name and more words: `/วาดก` draws "ก"
        if _one_edit_apart(word, name):
            return name
    return None


def _doubled_last_letter(word: str, name: str) -> bool:
    """`วาดด`, `วาดดด`: the name with its last letter typed again."""
    remainder = word.removeprefix(name)
    return remainder != word and bool(remainder) and not remainder.strip(name[-1])


def _one_edit_apart(first: str, second: str) -> bool:
    """Whether one letter added, dropped or changed turns `first` into `second`."""
    if abs(len(first) - len(second)) > 1 or first == second:
        return False
    shorter, longer = sorted((first, second), key=len)
    for index, (a, b) in enumerate(zip(shorter, longer, strict=False)):
        if a != b:
            # Past the difference, the rest agrees: after a letter dropped, or one changed.
            after = index if len(shorter) < len(longer) else index + 1
            return shorter[after:] == longer[index + 1 :]
    return True


def parse_draw(text: str, context: ParseContext) -> ParsedCommand:
    """The words after `/วาด` → a validated draw request, or the Thai sentence why not."""
    quoted = QuotedTexts()
    try:
        options = read_draw_options(read_words(text), quoted)
        request = build_request(
            " ".join(options.prompt),
            context.limits,
            negatives=options.negatives,
            styles=options.styles,
            unhide=quoted.reveal,
            **options.numbers,
        )
        refuse_blocked_words(request, context.blocklist)
    except RequestError as error:
        return ParsedCommand.refused("draw", Sentence(error.thai, error.english))
    except Refusal as refusal:
        return ParsedCommand.refused("draw", refusal.sentence)
    said = options.notices
    asked = options.numbers.get("width"), options.numbers.get("height")
    if None not in asked and asked != request.size:
        said.append(messages.size_rounded(request.width, request.height, SIZE_STEP))
    return ParsedCommand(
        "draw",
        request,
        use_init_image=options.use_init_image,
        notices=tuple(sentence.thai for sentence in said),
        notices_english=tuple(sentence.english for sentence in said),
    )


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


@dataclass
class DrawOptions:
    """The parts of a draw message, before they are checked together."""

    prompt: list[str] = field(default_factory=list)  # words, quoted ones hidden
    negatives: list[str] = field(default_factory=list)  # one text per --neg, quoted ones hidden
    styles: list[str] = field(default_factory=list)  # preset names
    numbers: dict[str, Any] = field(default_factory=dict)  # build_request's keyword arguments
    use_init_image: bool = False
    notices: list[Sentence] = field(default_factory=list)  # what was not taken as written


def read_draw_options(words: list[Word | OptionWord], quoted: QuotedTexts) -> DrawOptions:
    """Sort the words after `/วาด` into prompt words and option values."""
    options = DrawOptions()
    given: set[str] = set()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if isinstance(word, Word):
            options.prompt.append(quoted.hide(word))
            continue
        option = word.option
        if option.kind == "flag":
            options.use_init_image = True
            continue
        count = _value_length(option, words, index)
        if count == 0:
            raise Refusal(messages.option_without_value(word.written, option.example))
        # _value_length counts only Words; the filter says so to the type checker.
        values = [value for value in words[index : index + count] if isinstance(value, Word)]
        index += count
        if option.name == "neg":
            options.negatives.append(" ".join(quoted.hide(value) for value in values))
        elif option.name == "style":
            options.styles.extend(read_styles(values))
        else:
            read_number_option(option, [value.text for value in values], options, given)
    return options


def read_number_option(
    option: DrawOption, values: list[str], options: DrawOptions, given: set[str]
) -> None:
    """Set a number option (or the size); a second one replaces the first, and says so."""
    if option.name in given:
        options.notices.append(messages.option_repeated(f"--{option.name}", " ".join(values)))
    given.add(option.name)
    if option.kind == "size":
        width, height = parse_size(" ".join(values))
        options.numbers |= {"width": width, "height": height}
    elif option.kind == "choice":  # build_request checks the value against the choices
        assert option.field is not None
        value = values[0].casefold()
        options.numbers[option.field] = CHOICE_VALUES.get(value, value)
    else:
        assert option.field is not None  # every number option names its field
        options.numbers[option.field] = read_number(option, values[0])


def _value_length(option: DrawOption, words: list[Word | OptionWord], start: int) -> int:
    """How many words from `start` make the option's value (a number looks one or three ahead)."""
    if option.kind == "text":
        end = start
        while end < len(words) and isinstance(words[end], Word):
            end += 1
        return end - start
    ahead = words[start : start + 3]
    if not ahead or not isinstance(ahead[0], Word):
        return 0
    if (
        option.kind == "size"
        and len(ahead) == 3
        and isinstance(ahead[1], Word)
        and isinstance(ahead[2], Word)
        and ahead[1].text in _SIZE_SEPARATORS
    ):
        return 3  # `512 x 512`
    return 1


def read_number(option: DrawOption, text: str) -> int | float:
    if option.kind == "integer":
        if not _INTEGER.fullmatch(text):
            raise Refusal(messages.not_an_integer(f"--{option.name}", text, option.example))
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        return sign * 10**_LONGEST_INTEGER if len(digits) > _LONGEST_INTEGER else int(text)
    number = read_decimal(text)
    if number is None:
        raise Refusal(messages.not_a_number(f"--{option.name}", text, option.example))
    return number


_STYLE_SEPARATORS = re.compile(r"[\s,]++")


def read_styles(words: list[Word]) -> list[str]:
    """Preset names after one `--style`: several may follow it (`ภาพสีน้ำ cartoon`), and a
    name may have spaces (`ภาพ 3 มิติ`), so the longest run of words that names one is taken
    (runs of at most MOST_WORDS_IN_A_STYLE words: the work stays in proportion to the text)."""
    pieces = [
        piece
        for word in words
        for piece in ([word.text] if word.quoted else _STYLE_SEPARATORS.split(word.text))
        if piece
    ]
    styles = []
    start = 0
    while start < len(pieces):
        for end in range(min(len(pieces), start + MOST_WORDS_IN_A_STYLE), start, -1):
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
        raise Refusal(messages.BLOCKED_WORD)


@lru_cache(maxsize=16)
def _blocklist_pattern(blocklist: tuple[str, ...]) -> re.Pattern[str] | None:
    # Literal alternatives with one-character look-arounds: linear in the (validated, short)
    # prompt for a fixed list.
    terms = [clean_text(term).casefold() for term in blocklist]
    alternatives = [_blocked_term(term) for term in terms if term]
    return re.compile("|".join(alternatives)) if alternatives else None


def _blocked_term(term: str) -> str:
    # A Latin-script term matches whole words only ("ass" is not in "class"); Thai is written
    # without spaces between words, so a Thai term matches anywhere.
    before = r"(?<![a-z0-9])" if term[0].isascii() and term[0].isalnum() else ""
    after = r"(?![a-z0-9])" if term[-1].isascii() and term[-1].isalnum() else ""
    return before + re.escape(term) + after
