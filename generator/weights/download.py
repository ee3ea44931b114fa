"""Fetching the missing real model files: resumable, checked, and never half-written in place."""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import pickle
import shutil
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from tqdm import tqdm

from generator.weights.layout import WeightsLayout
from generator.weights.registry import HubFile, ModelFile, Origins

if TYPE_CHECKING:
    from generator.weights.vqgan_import import ImportReport

_CHUNK_BYTES = 1 << 20
_TIMEOUT_SECONDS = 60
# A transfer that keeps making progress is resumed this many times within one run.
_ATTEMPTS = 5
_INTERRUPTIONS = (ConnectionError, TimeoutError, http.client.IncompleteRead)
# What a truncated or foreign checkpoint or config raises while it is read and checked.
_BAD_CHECKPOINT = (
    ValueError,
    OSError,
    RuntimeError,
    EOFError,
    pickle.UnpicklingError,
    yaml.YAMLError,
)


class DownloadError(Exception):
    """A file could not be fetched; the message is one line: file, address, cause, remedy."""


class ConversionError(Exception):
    """A VQGAN checkpoint or config could not be converted; the message is one line."""


class _ContentMismatch(Exception):
    """The bytes arrived but are not the published file."""


class _TransferStopped(Exception):
    """The server kept closing the connection before the end of the file."""


class _QuietBar(tqdm):
    """A progress bar that never draws (for huggingface_hub when progress is off)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{**kwargs, "disable": True})


@dataclass(frozen=True)
class DownloadResult:
    """What became of one registry file: where it is now and how it got there."""

    file: ModelFile
    path: Path
    outcome: Literal["present", "downloaded", "converted"]


def download_missing(
    layout: WeightsLayout,
    entries: Iterable[ModelFile],
    *,
    progress: bool = True,
    origins: Origins | None = None,
) -> list[DownloadResult]:
    """Fetch every entry that is not yet in `layout`, then convert a fetched VQGAN checkpoint.

    Stops at the first failure with a DownloadError; files finished before it stay in place.
    """
    origins = origins or Origins()
    results = []
    for entry in entries:
        if entry.is_replaced(layout):
            results.append(DownloadResult(entry, entry.replaced_by(layout), "present"))
            continue
        if entry.path(layout).is_file():
            results.append(DownloadResult(entry, entry.path(layout), "present"))
            continue
        _fetch(entry, layout, origins, progress)
        results.append(DownloadResult(entry, entry.path(layout), "downloaded"))
    checkpoint = next((r.file for r in results if r.path == layout.vqgan_checkpoint), None)
    if checkpoint is not None and _needs_conversion(layout):
        _convert_fetched_vqgan(layout)
        results.append(DownloadResult(checkpoint, layout.vqgan_safetensors, "converted"))
    return results


def part_path(target: Path) -> Path:
    """Where an interrupted plain-URL download of `target` waits to be resumed."""
    return target.with_name(target.name + ".part")


def _fetch(entry: ModelFile, layout: WeightsLayout, origins: Origins, progress: bool) -> None:
    target = entry.path(layout)
    address = entry.address(origins)
    staging = target.with_name(f".{target.name}.download")
    staged: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _require_free_space(entry, target)
        if isinstance(entry.source, HubFile):
            staged = _fetch_from_hub(entry.source, staging, origins.hub_endpoint, progress)
        else:
            staged = _fetch_from_web(address, part_path(target), progress)
        _check_content(entry, staged)
        os.replace(staged, target)
    except _ContentMismatch as mismatch:
        if staged is not None:
            staged.unlink(missing_ok=True)
        raise _failure(entry, layout, address, f"{mismatch}; the download was discarded") from None
    except (OSError, ValueError, _TransferStopped) as error:  # ValueError: a malformed address
        raise _failure(
            entry, layout, address, _describe(error), disk_full=_is_disk_full(error)
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fetch_from_hub(source: HubFile, staging: Path, endpoint: str | None, progress: bool) -> Path:
    """Download through huggingface_hub into a staging folder beside the target."""
    downloaded = hf_hub_download(
        source.repo_id,
        source.filename,
        revision=source.revision,
        local_dir=staging,
        endpoint=endpoint,
        tqdm_class=None if progress else _QuietBar,
    )
    return Path(downloaded)


def _fetch_from_web(url: str, part: Path, progress: bool) -> Path:
    """Download `url` into `part`, resuming with an HTTP Range from whatever `part` holds."""
    interruption: BaseException | None = None
    with tqdm(
        desc=part.name.removesuffix(".part"),
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=not progress,
    ) as bar:
        for _ in range(_ATTEMPTS):
            try:
                complete, received = _append_rest(url, part, bar)
            except _INTERRUPTIONS as error:  # before the first byte of this attempt
                interruption, complete, received = error, False, 0
            if complete:
                return part
            if received == 0:
                break
    held = part.stat().st_size if part.exists() else 0
    raise _TransferStopped(
        f"the connection closed after {held} bytes (kept in {part.name} to resume)"
    ) from interruption


def _append_rest(url: str, part: Path, bar: tqdm) -> tuple[bool, int]:
    """One request for the bytes `part` lacks; returns (file complete, bytes received)."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        response = urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=_TIMEOUT_SECONDS
        )
    except urllib.error.HTTPError as error:
        if error.code == http.HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE and offset:
            return True, 0  # the previous run had already received every byte
        raise
    with response:
        if offset and response.status != http.HTTPStatus.PARTIAL_CONTENT:
            offset = 0  # the server ignored the range: start again from the first byte
        length = response.headers.get("Content-Length")
        bar.reset(total=offset + int(length) if length else None)
        bar.update(offset)
        received = 0
        with part.open("r+b" if offset else "wb") as sink:
            sink.seek(offset)
            sink.truncate()
            try:
                while chunk := response.read(_CHUNK_BYTES):
                    sink.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except _INTERRUPTIONS:
                return False, received
    # http.client ends short reads without an error when the peer closes early.
    return (length is None or received >= int(length)), received


def _require_free_space(entry: ModelFile, target: Path) -> None:
    if entry.size is None:
        return
    held = part_path(target).stat().st_size if part_path(target).exists() else 0
    needed = entry.size - held
    free = shutil.disk_usage(target.parent).free
    if free < needed:
        raise OSError(errno.ENOSPC, f"{_megabytes(needed)} needed, {_megabytes(free)} free")


def _check_content(entry: ModelFile, path: Path) -> None:
    size = path.stat().st_size
    if entry.size_is_exact and size != entry.size:
        raise _ContentMismatch(f"it has {size} bytes, expected {entry.size}")
    if entry.sha256 is not None:
        digest = sha256_of(path)
        if digest != entry.sha256:
            raise _ContentMismatch(f"its sha256 is {digest}, expected {entry.sha256}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(_CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _needs_conversion(layout: WeightsLayout) -> bool:
    return (
        layout.vqgan_checkpoint.is_file()
        and layout.vqgan_config.is_file()
        and not layout.vqgan_safetensors.is_file()
    )


def convert_vqgan(checkpoint: Path, config: Path, layout: WeightsLayout) -> ImportReport:
    """Convert a taming checkpoint into `layout`; any way a bad file fails is a ConversionError."""
    # Imported here: the conversion needs torch and taming, which listing and fetching do not.
    from generator.weights.safe_pickle import UnsafeCheckpointError
    from generator.weights.vqgan_import import import_vqgan_checkpoint

    try:
        return import_vqgan_checkpoint(checkpoint, config, layout)
    except (UnsafeCheckpointError, *_BAD_CHECKPOINT) as error:
        raise ConversionError(f"cannot convert {checkpoint}: {_first_line(error)}") from None


def _convert_fetched_vqgan(layout: WeightsLayout) -> None:
    """Convert the fetched Lightning checkpoint once, then drop the pickle."""
    try:
        convert_vqgan(layout.vqgan_checkpoint, layout.vqgan_config, layout)
    except ConversionError as error:
        raise DownloadError(
            f"{error}; delete it and run `thaidraw weights download` again, or convert a good "
            "copy with `thaidraw weights import-vqgan CKPT YAML`"
        ) from None
    layout.vqgan_checkpoint.unlink()


def _failure(
    entry: ModelFile, layout: WeightsLayout, address: str, cause: str, *, disk_full: bool = False
) -> DownloadError:
    target = entry.path(layout)
    if disk_full:
        remedy = f"free space in {target.parent} and run `thaidraw weights download` again"
    elif target == layout.vqgan_checkpoint:
        remedy = (
            "run `thaidraw weights download` again, or download it by hand and run "
            "`thaidraw weights import-vqgan CKPT YAML`"
        )
    else:
        remedy = (
            f"run `thaidraw weights download` again, or fetch it by hand and place it at {target}"
        )
    return DownloadError(
        f"cannot fetch {entry.relative_path(layout)} from {address}: {cause}; {remedy}"
    )


def _describe(error: BaseException) -> str:
    """The cause of a failed transfer in a few words, found anywhere in the exception chain."""
    for link in _chain(error):
        if isinstance(link, urllib.error.HTTPError):
            return f"the server answered HTTP {link.code} {link.reason}"
        if isinstance(link, OfflineModeIsEnabled):
            return "HF_HUB_OFFLINE is set"
        if isinstance(link, HfHubHTTPError) and link.response is not None:
            response = link.response
            return f"the server answered HTTP {response.status_code} {response.reason_phrase}"
        if isinstance(link, _TransferStopped):
            return str(link)
        if isinstance(link, OSError) and link.errno == errno.ENOSPC:
            return f"not enough disk space ({link.strerror})"
        if isinstance(link, socket.gaierror):
            return "the host name cannot be resolved (offline?)"
        if isinstance(link, ConnectionRefusedError):
            return "the connection was refused (offline?)"
        if isinstance(link, TimeoutError):
            return "the server did not answer in time"
    return _first_line(error)


def _is_disk_full(error: BaseException) -> bool:
    return any(isinstance(link, OSError) and link.errno == errno.ENOSPC for link in _chain(error))


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error`, the reasons urllib wraps, and every exception it was raised from or during."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        link = pending.pop(0)
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        reason = getattr(link, "reason", None) if isinstance(link, urllib.error.URLError) else None
        pending += [reason if isinstance(reason, BaseException) else None]
        pending += [link.__cause__, link.__context__]


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
