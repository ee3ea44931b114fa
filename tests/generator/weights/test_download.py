"""Fetching model files from local servers: resume, checks, and one-line errors."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.weights.download import DownloadError, download_missing, part_path
from generator.weights.layout import WeightsLayout
from generator.weights.registry import HubFile, ModelFile, Origins, WebFile, select_files

BODY = bytes(range(256)) * 64  # 16 KiB
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()
REVISION = "1234567890abcdef1234567890abcdef12345678"


@pytest.fixture
def layout(tmp_path: Path) -> WeightsLayout:
    return WeightsLayout(tmp_path / "weights")


@pytest.fixture
def closed_port_url() -> str:
    """An address where nothing listens: connections are refused, as when offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def web_entry(url: str, *, sha256: str | None = BODY_SHA256, size: int | None = None) -> ModelFile:
    """A plain-URL file that lands where the aesthetic head lives."""
    return ModelFile(
        part="aesthetic",
        source=WebFile(url),
        locate=lambda layout: layout.aesthetic_head,
        licence="test",
        size=size,
        size_is_exact=size is not None,
        sha256=sha256,
    )


def hub_entry(filename: str = "config.json", *, sha256: str | None = BODY_SHA256) -> ModelFile:
    return ModelFile(
        part="clip",
        source=HubFile("org/model", filename, REVISION),
        locate=lambda layout: layout.clip_dir / filename,
        licence="test",
        sha256=sha256,
    )


def serve_with_ranges(request: Request, body: bytes = BODY) -> Response:
    """Answer a GET as a file server does, honouring `Range: bytes=N-`."""
    requested = request.headers.get("Range")
    if requested is None:
        return Response(body)
    start = int(requested.removeprefix("bytes=").removesuffix("-"))
    return Response(
        body[start:],
        status=206,
        headers={"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"},
    )


def fake_hub_file(httpserver: HTTPServer, filename: str, body: bytes) -> None:
    """The two calls huggingface_hub makes for a file: HEAD for its metadata, then GET."""

    def answer(request: Request) -> Response:
        headers = {
            "X-Repo-Commit": REVISION,
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
            "X-Linked-Size": str(len(body)),
        }
        return Response(b"" if request.method == "HEAD" else body, headers=headers)

    httpserver.expect_request(f"/org/model/resolve/{REVISION}/{filename}").respond_with_handler(
        answer
    )


def single_line(error: pytest.ExceptionInfo[DownloadError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_missing_file_is_fetched_from_a_mirror_and_matches_the_published_sha256(
    httpserver: HTTPServer, layout: WeightsLayout, test_data: Path
) -> None:
    real_head = (test_data / "laion-aesthetic" / "sa_0_4_vit_b_32_linear.pth").read_bytes()
    httpserver.expect_request(
        "/LAION-AI/aesthetic-predictor/raw/main/sa_0_4_vit_b_32_linear.pth"
    ).respond_with_data(real_head)

    (result,) = download_missing(
        layout,
        select_files(["aesthetic"]),
        progress=False,
        origins=Origins(web_mirror=httpserver.url_for("/")),
    )

    assert result.outcome == "downloaded"
    assert layout.aesthetic_head.read_bytes() == real_head


def test_an_interrupted_download_resumes_with_a_range_request(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    half = len(BODY) // 2

    def drop_the_first_connection_halfway(request: Request) -> Response:
        if "Range" in request.headers:
            return serve_with_ranges(request)

        def first_half_then_hang_up():
            yield BODY[:half]
            raise ConnectionAbortedError("connection dropped by the test server")

        return Response(first_half_then_hang_up(), headers={"Content-Length": str(len(BODY))})

    httpserver.expect_request("/head.pth").respond_with_handler(drop_the_first_connection_halfway)

    download_missing(layout, [web_entry(httpserver.url_for("/head.pth"))], progress=False)

    assert layout.aesthetic_head.read_bytes() == BODY
    ranges = [request.headers.get("Range") for request, _ in httpserver.log]
    assert ranges == [None, f"bytes={half}-"]
    assert not part_path(layout.aesthetic_head).exists()


def test_a_part_file_left_by_an_earlier_run_is_completed_not_fetched_again(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    layout.aesthetic_head.parent.mkdir(parents=True)
    part_path(layout.aesthetic_head).write_bytes(BODY[:1000])
    httpserver.expect_request("/head.pth").respond_with_handler(serve_with_ranges)

    download_missing(layout, [web_entry(httpserver.url_for("/head.pth"))], progress=False)

    assert layout.aesthetic_head.read_bytes() == BODY
    assert [request.headers.get("Range") for request, _ in httpserver.log] == ["bytes=1000-"]


def test_a_server_that_ignores_the_range_is_read_again_from_the_start(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    layout.aesthetic_head.parent.mkdir(parents=True)
    part_path(layout.aesthetic_head).write_bytes(b"stale bytes from another version")
    httpserver.expect_request("/head.pth").respond_with_data(BODY)

    download_missing(layout, [web_entry(httpserver.url_for("/head.pth"))], progress=False)

    assert layout.aesthetic_head.read_bytes() == BODY


def test_a_checksum_mismatch_is_one_line_and_leaves_no_file(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    httpserver.expect_request("/head.pth").respond_with_data(b"not the published file")
    url = httpserver.url_for("/head.pth")

    with pytest.raises(DownloadError) as error:
        download_missing(layout, [web_entry(url)], progress=False)

    message = single_line(error)
    assert f"expected {BODY_SHA256}" in message
    assert "aesthetic/sa_0_4_vit_b_32_linear.pth" in message
    assert url in message
    assert not layout.aesthetic_head.exists()
    assert not part_path(layout.aesthetic_head).exists()


def test_a_file_of_the_wrong_size_is_refused(httpserver: HTTPServer, layout: WeightsLayout) -> None:
    httpserver.expect_request("/head.pth").respond_with_data(BODY)
    entry = web_entry(httpserver.url_for("/head.pth"), sha256=None, size=len(BODY) + 1)

    with pytest.raises(DownloadError) as error:
        download_missing(layout, [entry], progress=False)

    assert f"it has {len(BODY)} bytes, expected {len(BODY) + 1}" in single_line(error)
    assert not layout.aesthetic_head.exists()


@pytest.mark.parametrize(("status", "reason"), [(404, "NOT FOUND"), (500, "INTERNAL SERVER ERROR")])
def test_a_server_error_names_the_file_the_address_and_the_status(
    httpserver: HTTPServer, layout: WeightsLayout, status: int, reason: str
) -> None:
    httpserver.expect_request("/head.pth").respond_with_data("no", status=status)
    url = httpserver.url_for("/head.pth")

    with pytest.raises(DownloadError) as error:
        download_missing(layout, [web_entry(url)], progress=False)

    message = single_line(error)
    assert f"cannot fetch aesthetic/sa_0_4_vit_b_32_linear.pth from {url}" in message
    assert f"HTTP {status} {reason}" in message.upper()
    assert not layout.aesthetic_head.exists()


def test_offline_the_error_says_where_to_place_the_file_by_hand(
    layout: WeightsLayout, closed_port_url: str
) -> None:
    with pytest.raises(DownloadError) as error:
        download_missing(layout, [web_entry(f"{closed_port_url}/head.pth")], progress=False)

    message = single_line(error)
    assert "connection was refused (offline?)" in message
    assert f"place it at {layout.aesthetic_head}" in message


def test_offline_the_vqgan_checkpoint_error_points_to_import_vqgan(
    layout: WeightsLayout, closed_port_url: str
) -> None:
    checkpoint = [e for e in select_files(["vqgan"]) if e.path(layout) == layout.vqgan_checkpoint]

    with pytest.raises(DownloadError) as error:
        download_missing(
            layout, checkpoint, progress=False, origins=Origins(web_mirror=closed_port_url)
        )

    message = single_line(error)
    assert f"{closed_port_url}/d/a7530b09fed84f80a887/files/?p=%2Fckpts%2Flast.ckpt" in message
    assert "thaidraw weights import-vqgan CKPT YAML" in message


def test_a_file_larger_than_the_free_disk_space_is_refused_before_fetching(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    entry = web_entry(httpserver.url_for("/head.pth"), sha256=None, size=10**18)

    with pytest.raises(DownloadError) as error:
        download_missing(layout, [entry], progress=False)

    message = single_line(error)
    assert "not enough disk space (1000000000000.0 MB needed, " in message
    assert f"free space in {layout.aesthetic_head.parent} and run" in message
    assert httpserver.log == []


def test_files_already_in_place_are_not_fetched_again(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    layout.aesthetic_head.parent.mkdir(parents=True)
    layout.aesthetic_head.write_bytes(BODY)

    (result,) = download_missing(
        layout, [web_entry(httpserver.url_for("/head.pth"))], progress=False
    )

    assert result.outcome == "present"
    assert httpserver.log == []


def test_a_hub_file_comes_through_huggingface_hub_from_the_given_endpoint(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    fake_hub_file(httpserver, "config.json", BODY)

    (result,) = download_missing(
        layout,
        [hub_entry()],
        progress=False,
        origins=Origins(hub_endpoint=httpserver.url_for("/").rstrip("/")),
    )

    assert result.outcome == "downloaded"
    assert (layout.clip_dir / "config.json").read_bytes() == BODY
    assert [request.method for request, _ in httpserver.log] == ["HEAD", "GET"]
    assert sorted(path.name for path in layout.clip_dir.iterdir()) == ["config.json"]


def test_a_hub_file_with_the_wrong_checksum_is_discarded(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    fake_hub_file(httpserver, "config.json", b"a different configuration")

    with pytest.raises(DownloadError) as error:
        download_missing(
            layout,
            [hub_entry()],
            progress=False,
            origins=Origins(hub_endpoint=httpserver.url_for("/").rstrip("/")),
        )

    assert "the download was discarded" in single_line(error)
    assert list(layout.clip_dir.iterdir()) == []


def test_a_hub_file_the_server_does_not_have_is_one_line_naming_it(
    httpserver: HTTPServer, layout: WeightsLayout
) -> None:
    httpserver.expect_request(f"/org/model/resolve/{REVISION}/config.json").respond_with_data(
        "Entry not found", status=404
    )
    endpoint = httpserver.url_for("/").rstrip("/")

    with pytest.raises(DownloadError) as error:
        download_missing(
            layout, [hub_entry()], progress=False, origins=Origins(hub_endpoint=endpoint)
        )

    message = single_line(error)
    assert f"{endpoint}/org/model/resolve/{REVISION}/config.json" in message
    assert "HTTP 404" in message
    assert f"place it at {layout.clip_dir / 'config.json'}" in message
