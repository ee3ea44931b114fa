"""Load a torch checkpoint that holds training-state objects without running code from the file.

`torch.load(weights_only=True)` refuses Lightning checkpoints because their pickle names classes
such as Lightning's `ModelCheckpoint`. Here the pickle's globals are never imported: tensors and
plain containers are rebuilt, other classes become inert stubs that only record what the file
gave them, and any global that looks like code to call (`os.system`, `builtins.eval`, …) makes
the whole load fail before it could run.
"""

from __future__ import annotations

import _codecs
import _compat_pickle
import collections
import pickle
import re
import types
from pathlib import Path
from typing import Any

import torch
import torch._utils

_REBUILDERS = {
    ("torch._utils", "_rebuild_tensor"): torch._utils._rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): torch._utils._rebuild_parameter_with_state,
    ("torch", "Size"): torch.Size,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    # pickle protocol 2 (torch.save's default) stores bytes as a call to this encoder.
    ("_codecs", "encode"): _codecs.encode,
}

# Modules whose classes exist to run commands or code: a checkpoint naming any of them is refused
# even though a stub would be harmless, because no honest checkpoint does.
_CODE_MODULES = frozenset(
    {
        "builtins", "os", "posix", "nt", "sys", "subprocess", "shutil", "importlib",
        "runpy", "pty", "socket", "pickle", "_pickle", "marshal", "types", "ctypes", "code",
        "codeop", "operator", "functools", "webbrowser", "multiprocessing", "threading", "signal",
        "asyncio", "pdb", "inspect",
    }
)  # fmt: skip

_CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*")


class UnsafeCheckpointError(Exception):
    """The checkpoint asks to call something while loading; it was refused and nothing ran."""


class InertObject:
    """Stands in for a class the checkpoint names: keeps what the pickle gives, does nothing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> InertObject:
        instance = super().__new__(cls)
        instance.args, instance.kwargs = args, kwargs
        return instance

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__dict__.setdefault("items", {})[key] = value

    def append(self, value: Any) -> None:
        self.__dict__.setdefault("elements", []).append(value)

    def extend(self, values: Any) -> None:
        for value in values:
            self.append(value)

    def __repr__(self) -> str:
        return f"<inert {type(self).__module__}.{type(self).__qualname__}>"


class _SafeUnpickler(pickle.Unpickler):
    """Resolves the pickle's globals from the allow-list or as stubs, never by importing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stubs: dict[tuple[str, str], type[InertObject]] = {}

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 2 pickles use Python 2 names (`__builtin__.set`); pickle's own mapping is part
        # of the `find_class` this replaces.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in _REBUILDERS:
            return _REBUILDERS[(module, name)]
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if module.split(".")[0] in _CODE_MODULES or not _CLASS_NAME.fullmatch(name):
            raise UnsafeCheckpointError(
                f"the checkpoint asks to call {module}.{name} while loading; refused, nothing ran "
                "(a genuine checkpoint never needs that: the file may have been tampered with)"
            )
        if (module, name) not in self._stubs:
            self._stubs[(module, name)] = types.new_class(
                name, (InertObject,), exec_body=lambda body: body.update(__module__=module)
            )
        return self._stubs[(module, name)]


def _load(file: Any, **kwargs: Any) -> Any:
    return _SafeUnpickler(file, **kwargs).load()


# torch.load accepts any object with pickle's `Unpickler` and `load` as its pickle module.
_PICKLE_MODULE = types.SimpleNamespace(
    __name__="thaidraw_safe_pickle", Unpickler=_SafeUnpickler, load=_load
)


def load_checkpoint_safely(path: Path) -> Any:
    """The unpickled checkpoint with tensors on the CPU and other classes as `InertObject`s.

    Raises UnsafeCheckpointError (naming the global) for a file that would run code.
    """
    try:
        return torch.load(
            path, map_location="cpu", weights_only=False, pickle_module=_PICKLE_MODULE
        )
    except UnsafeCheckpointError as error:
        raise UnsafeCheckpointError(f"{path.name}: {error}") from None
