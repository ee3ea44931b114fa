"""The student (WangchanBERTa + projection head): where it starts, and the folder it is saved in.

A trained student's folder holds everything to load it without the weights folder: the
CamembertConfig, the tokenizer, the tensors in the original app's layout and a card
(`thclip.json`) with its pooling and how it was made. The generator takes such a folder as its
text encoder (THAIDRAW_TEXT_ENCODER=/path/to/folder).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from safetensors.torch import save_file
from transformers import CamembertConfig, CamembertModel

from generator.models.state_dicts import TRANSFORMERS_WEIGHT_FILES
from generator.models.thclip import Pooling, ThCLIPTextEncoder, load_wangchanberta_tokenizer
from generator.weights.layout import WeightsLayout

Init = Literal["thclip", "wangchanberta"]
INITS: tuple[Init, ...] = ("thclip", "wangchanberta")

WEIGHTS_FILE = "text_encoder.safetensors"
CARD_FILE = "thclip.json"
CARD_FORMAT = 1


class StudentFolderError(ValueError):
    """Not a folder written by `thaidraw thclip train`, or an unreadable one."""


def build_student(layout: WeightsLayout, init: Init, pooling: Pooling) -> ThCLIPTextEncoder:
    """The student before training.

    `thclip`: the published ThCLIP weights (the original app's distilled model) to go on from.
    `wangchanberta`: the pretrained WangchanBERTa backbone with a fresh head, as the original app
    began; it needs the backbone's weights in the WangchanBERTa folder.
    """
    if init == "thclip":
        return ThCLIPTextEncoder.from_files(
            layout.wangchanberta_dir, layout.thclip_weights, pooling=pooling
        )
    folder = layout.wangchanberta_dir
    if not any((folder / name).is_file() for name in TRANSFORMERS_WEIGHT_FILES):
        files = " or ".join(TRANSFORMERS_WEIGHT_FILES)
        raise FileNotFoundError(
            f"{folder} has no pretrained WangchanBERTa weights ({files}); fetch them with "
            "`thaidraw weights download --only thclip`, or start from the ThCLIP weights "
            "(--init thclip)"
        )
    config = CamembertConfig.from_json_file(folder / "config.json")
    student = ThCLIPTextEncoder(
        config, load_wangchanberta_tokenizer(folder), name="thclip-student", pooling=pooling
    )
    # transformers maps the published masked-LM checkpoint (`roberta.*`, `lm_head.*`) onto the
    # bare encoder; the pooler it lacks stays freshly initialised, and no pooling uses it.
    student.text_encoder["model"] = CamembertModel.from_pretrained(
        folder, config=config, local_files_only=True
    )
    return student


def save_student(student: ThCLIPTextEncoder, folder: Path, card: dict[str, Any]) -> None:
    """Write the folder `load_student` reads; `card` adds how the student was made."""
    folder.mkdir(parents=True, exist_ok=True)
    student.text_encoder["model"].config.to_json_file(folder / "config.json")
    student.tokenizer.save_pretrained(folder)
    tensors = {
        name: tensor.detach().cpu().contiguous() for name, tensor in student.state_dict().items()
    }
    save_file(tensors, folder / WEIGHTS_FILE, metadata={"format": "pt"})
    full_card = {"format": CARD_FORMAT, "pooling": student.pooling, **card}
    (folder / CARD_FILE).write_text(
        json.dumps(full_card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def is_student_folder(path: Path) -> bool:
    return (path / CARD_FILE).is_file() and (path / WEIGHTS_FILE).is_file()


def read_card(folder: Path) -> dict[str, Any]:
    """The student's card; a missing or unreadable one is a StudentFolderError."""
    try:
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise StudentFolderError(
            f"{folder} is not a student folder written by `thaidraw thclip train` ({error})"
        ) from None
    if card.get("format") != CARD_FORMAT or card.get("pooling") not in ("cls", "mean"):
        raise StudentFolderError(f"{folder / CARD_FILE}: unknown format or pooling")
    return card


def load_student(folder: Path) -> ThCLIPTextEncoder:
    """A trained student, strictly loaded, on the CPU, named after its folder."""
    card = read_card(folder)
    student = ThCLIPTextEncoder.from_files(folder, folder / WEIGHTS_FILE, pooling=card["pooling"])
    student.name = f"thclip-{folder.resolve().name}"
    return student
