from __future__ import annotations

import builtins
import os
import subprocess
import sys
import types
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from generator.weights.safe_pickle import (
    InertObject,
    UnsafeCheckpointError,
    load_checkpoint_safely,
)


class ModelCheckpoint:
    """Test-only stand-in for Lightning's callback class, saved as a real checkpoint holds it."""

    def __init__(self) -> None:
        self.best_model_score = torch.tensor(0.25)
        self.dirpath = Path("logs/checkpoints")


class RunsCode:
    """A pickle payload: unpickling it calls `call(*arguments)`."""

    def __init__(self, call, *arguments) -> None:
        self.call, self.arguments = call, arguments

    def __reduce__(self):
        return self.call, self.arguments


def payloads(marker: Path) -> dict[str, RunsCode]:
    """Ways a checkpoint could create `marker` while being loaded."""
    return {
        "system": RunsCode(os.system, f"touch {marker}"),
        "eval": RunsCode(builtins.eval, f"open({str(marker)!r}, 'w')"),
        "exec": RunsCode(builtins.exec, f"open({str(marker)!r}, 'w')"),
        "Popen": RunsCode(subprocess.Popen, ["touch", str(marker)]),
    }


@pytest.mark.parametrize("attack", ["system", "eval", "exec", "Popen"])
def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(
    tmp_path: Path, attack: str
) -> None:
    marker = tmp_path / "pwned"
    checkpoint = tmp_path / "last.ckpt"
    payload = payloads(marker)[attack]
    torch.save({"state_dict": {"w": torch.ones(2)}, "hparams": payload}, checkpoint)

    with pytest.raises(UnsafeCheckpointError, match=rf"last\.ckpt: .*\.{attack} ") as caught:
        load_checkpoint_safely(checkpoint)

    assert "refused, nothing ran" in str(caught.value)
    assert not marker.exists()


def test_lightning_training_state_comes_back_as_inert_stubs(tmp_path: Path) -> None:
    checkpoint = tmp_path / "last.ckpt"
    weights = OrderedDict(w=torch.arange(6.0).view(2, 3), b=torch.zeros(3, dtype=torch.float16))
    torch.save(
        {
            "state_dict": weights,
            "callbacks": {ModelCheckpoint: {"best_model_score": torch.tensor(0.5)}},
            "trainer_callback": ModelCheckpoint(),
            "optimizer_states": [{"state": {}, "param_groups": [{"lr": 4.5e-6, "params": [0]}]}],
            "seen": {1, 2},
            "note": b"raw bytes",
        },
        checkpoint,
    )

    loaded = load_checkpoint_safely(checkpoint)

    assert torch.equal(loaded["state_dict"]["w"], weights["w"])
    assert loaded["state_dict"]["b"].dtype == torch.float16
    callback = loaded["trainer_callback"]
    assert isinstance(callback, InertObject)
    assert not isinstance(callback, ModelCheckpoint)
    assert torch.equal(callback.state["best_model_score"], torch.tensor(0.25))
    (callback_class,) = loaded["callbacks"]
    assert callback_class is not ModelCheckpoint
    assert callback_class.__name__ == "ModelCheckpoint"
    assert (loaded["seen"], loaded["note"]) == ({1, 2}, b"raw bytes")


def test_classes_named_by_the_checkpoint_are_never_imported(tmp_path: Path) -> None:
    module = types.ModuleType("thaidraw_vanished_trainer")
    exec("class Callback:\n    pass", module.__dict__)  # a module that exists only while saving
    sys.modules[module.__name__] = module
    try:
        torch.save({"callback": module.Callback()}, tmp_path / "last.ckpt")
    finally:
        del sys.modules[module.__name__]

    loaded = load_checkpoint_safely(tmp_path / "last.ckpt")

    assert type(loaded["callback"]).__module__ == "thaidraw_vanished_trainer"
    assert module.__name__ not in sys.modules
