"""Configuration of the generator from the environment (or `.env`)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Literal, TypeVar, get_args

from dotenv.parser import parse_stream
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from generator.request import RequestLimits

NAMED_TEXT_ENCODERS = ("thclip", "mclip")
# auto: bf16 on CUDA and on CPUs with native bf16, else fp32 (generator.precision)
PrecisionSetting = Literal["auto", "fp32", "bf16"]
PRECISION_SETTINGS: tuple[str, ...] = get_args(PrecisionSetting)
_ENV_NAME = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


class SettingsError(Exception):
    """A missing or malformed configuration value; the message is one line naming the variable."""


class GeneratorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    weights_dir: Path = Field(Path("weights"), validation_alias="THAIDRAW_WEIGHTS_DIR")
    # real, smoke, or auto: real when all its files are there, else smoke (resolve_models)
    models: Literal["real", "smoke", "auto"] = Field("real", validation_alias="THAIDRAW_MODELS")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", validation_alias="THAIDRAW_DEVICE")
    # `thclip`, `mclip`, or the folder of a student trained by `thaidraw thclip train`.
    text_encoder: str = Field("thclip", validation_alias="THAIDRAW_TEXT_ENCODER")
    precision: PrecisionSetting = Field("auto", validation_alias="THAIDRAW_PRECISION")
    # CUDA: deterministic kernels where PyTorch has them, fp32 (the CPU is always deterministic)
    deterministic: bool = Field(False, validation_alias="THAIDRAW_DETERMINISTIC")
    # Jobs of a batch share each kernel call. Unset: on CUDA only; the CPU computes each job on
    # its own, so that its pixels never depend on its batch mates (Engine.batch_invariant).
    batched_kernels: bool | None = Field(None, validation_alias="THAIDRAW_BATCHED_KERNELS")
    max_steps: int = Field(500, ge=1, le=10_000, validation_alias="THAIDRAW_MAX_STEPS")
    max_size: int = Field(512, ge=64, le=2048, validation_alias="THAIDRAW_MAX_SIZE")
    max_prompt_chars: int = Field(300, ge=10, le=5000, validation_alias="THAIDRAW_MAX_PROMPT_CHARS")
    max_cutn: int = Field(64, ge=1, le=256, validation_alias="THAIDRAW_MAX_CUTN")

    @field_validator("text_encoder")
    @classmethod
    def _known_text_encoder(cls, value: str) -> str:
        # The card every student folder holds (generator.thclip.student.CARD_FILE); importing
        # that module here would load torch with the settings.
        if value in NAMED_TEXT_ENCODERS or (Path(value) / "thclip.json").is_file():
            return value
        raise ValueError(
            f"must be {' or '.join(NAMED_TEXT_ENCODERS)}, or a folder written by "
            "`thaidraw thclip train`"
        )

    def generator_part(self) -> GeneratorSettings:
        """Only the generator's own settings (nothing of other parts, such as their tokens)."""
        fields = set(GeneratorSettings.model_fields)
        return GeneratorSettings.model_validate(self.model_dump(include=fields))

    def limits(self) -> RequestLimits:
        return RequestLimits(
            max_steps=self.max_steps,
            max_size=self.max_size,
            max_prompt_chars=self.max_prompt_chars,
            max_cutn=self.max_cutn,
        )


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(settings_class: type[SettingsT], **overrides: object) -> SettingsT:
    """Read the settings; on a bad value raise SettingsError naming the variable in one line.

    A `.env` line python-dotenv cannot read is an error too: it would only warn and go on
    without that line's setting.
    """
    env_file = overrides.get("_env_file", settings_class.model_config.get("env_file"))
    if isinstance(env_file, str | Path):
        problem = unreadable_env_line(Path(env_file))
        if problem is not None:
            raise SettingsError(f"configuration error: {problem}")
    try:
        return settings_class(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across variables; its message names them
            raise SettingsError(f"configuration error: {message}") from None
        variable = ".".join(str(part) for part in first["loc"])
        secret = any(word in variable.upper() for word in ("TOKEN", "SECRET", "URL"))
        shown = "" if secret else f" (got {first.get('input')!r})"  # URLs may hold passwords
        raise SettingsError(f"configuration error: {variable}: {message}{shown}") from None


def unreadable_env_line(path: Path) -> str | None:
    """Which line of the `.env` file at `path` cannot be read, or None (also with no file).

    The line itself is not repeated: it may hold a token.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        return f"{path.resolve()} cannot be read ({error})"
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            name = _ENV_NAME.match(binding.original.string)
            which = f" ({name.group(1)})" if name else ""
            return (
                f"{path.resolve()} line {binding.original.line}{which} cannot be read; write it "
                "as NAME=value, with a closing quote for every opening one"
            )
    return None
