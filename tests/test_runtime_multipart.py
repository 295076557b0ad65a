"""The streaming multipart/form-data parser (src/hr_multipart.c), split at every byte boundary."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from runtime.cbuild import build_program, run

from hotreload_py import protocol

BOUNDARY = '------------------------d74496d66958873e'
CT = f'multipart/form-data; boundary={BOUNDARY}'
# Bytes that look like the start of a delimiter, to exercise the held-back matching.
TRICKY = b'\r\n--' + BOUNDARY[:-1].encode() + b'X\r\n-\r\r\n--\r\n' + b'\r\n--' + BOUNDARY.encode()[:10]


@pytest.fixture(scope='session')
def multipart_check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_program('multipart_check', ['src/hr_multipart.c'], tmp_path_factory.mktemp('multipart'))


def part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'
    if filename:
        disposition += f'; filename="{filename}"'
    return f'--{BOUNDARY}\r\n{disposition}\r\nContent-Type: application/octet-stream\r\n\r\n'.encode() + data + b'\r\n'


def body(*parts: bytes, preamble: bytes = b'', epilogue: bytes = b'') -> bytes:
    return preamble + b''.join(parts) + f'--{BOUNDARY}--\r\n'.encode() + epilogue


def parse(tool: Path, tmp: Path, content: bytes, content_type: str = CT, splits: bool = False) -> tuple[str, bytes]:
    (tmp / 'body').write_bytes(content)
    out = tmp / 'out'
    if out.exists():
        out.unlink()
    args: list[str | Path] = [content_type, tmp / 'body', out]
    if splits:
        args.append('splits')
    text = run(tool, *args, check=False)
    assert 'mismatch ' not in text, text
    if splits:
        assert 'mismatches 0' in text, text
    return text.splitlines()[0], out.read_bytes() if out.exists() else b''


def test_multipart_curl_style_upload_every_split(multipart_check: Path, tmp_path: Path) -> None:
    module = os.urandom(300) + TRICKY + os.urandom(200)
    content = body(part(protocol.MULTIPART_FIELD, module, 'reloadable_stripped.so'))
    status, data = parse(multipart_check, tmp_path, content, splits=True)
    assert status == 'ok'
    assert data == module


def test_multipart_field_among_others_with_preamble_and_epilogue(multipart_check: Path, tmp_path: Path) -> None:
    module = TRICKY + os.urandom(100) + b'\r\n'
    content = body(
        part('comment', b'not me\r\n--almost'),
        part('filename', b'x'),
        part('file', module, 'file'),
        part('file', b'second file field is ignored'),
        preamble=b'This is a preamble.\r\n',
        epilogue=b'epilogue text',
    )
    status, data = parse(multipart_check, tmp_path, content, splits=True)
    assert status == 'ok'
    assert data == module


def test_multipart_quoted_boundary_and_case(multipart_check: Path, tmp_path: Path) -> None:
    module = os.urandom(64)
    content = body(part('file', module))
    content_type = f'Multipart/Form-Data; charset=utf-8; Boundary="{BOUNDARY}"'
    status, data = parse(multipart_check, tmp_path, content, content_type)
    assert (status, data) == ('ok', module)


def test_multipart_filename_param_does_not_count_as_name(multipart_check: Path, tmp_path: Path) -> None:
    content = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="other"; filename="file"\r\n\r\nabc\r\n'.encode()
        + f'--{BOUNDARY}--\r\n'.encode()
    )
    status, _ = parse(multipart_check, tmp_path, content, splits=True)
    assert status.startswith('error ESP_ERR_NOT_FOUND')
    assert "no 'file' field" in status


def test_multipart_httpx_encoded_body(multipart_check: Path, tmp_path: Path) -> None:
    module = os.urandom(5000)
    request = httpx.Request('POST', 'http://device/upload', files={'file': ('reloadable_stripped.so', module)})
    content = request.read()
    status, data = parse(multipart_check, tmp_path, content, request.headers['content-type'])
    assert (status, data) == ('ok', module)


def test_multipart_empty_file_field(multipart_check: Path, tmp_path: Path) -> None:
    status, data = parse(multipart_check, tmp_path, body(part('file', b'')), splits=True)
    assert (status, data) == ('ok', b'')


@pytest.mark.parametrize('cut', [10, 100, -30, -8, -3])
def test_multipart_truncated_body_refused(multipart_check: Path, tmp_path: Path, cut: int) -> None:
    content = body(part('file', os.urandom(200)))
    status, _ = parse(multipart_check, tmp_path, content[:cut])
    assert status.startswith('error ESP_ERR_INVALID_SIZE')
    assert 'closing boundary' in status


@pytest.mark.parametrize(
    'content_type',
    [
        'application/octet-stream',
        'multipart/form-data',
        'multipart/form-data; boundary=',
        'multipart/form-data; boundary="' + 'x' * 71 + '"',
        'multipart/mixed; boundary=abc',
    ],
)
def test_multipart_bad_content_type_refused(multipart_check: Path, tmp_path: Path, content_type: str) -> None:
    status, _ = parse(multipart_check, tmp_path, body(part('file', b'abc')), content_type)
    assert status.startswith('error ESP_ERR_INVALID_ARG')


def test_multipart_garbage_after_boundary_refused(multipart_check: Path, tmp_path: Path) -> None:
    content = f'--{BOUNDARY}garbage\r\n\r\n'.encode()
    status, _ = parse(multipart_check, tmp_path, content, splits=True)
    assert status.startswith('error ESP_ERR_INVALID_ARG')
    assert 'boundary not followed' in status


@pytest.mark.parametrize('seed', range(12))
def test_multipart_adversarial_content_round_trips(multipart_check: Path, tmp_path: Path, seed: int) -> None:
    import random

    rng = random.Random(seed)
    boundary = rng.choice(['--abc', '-', 'x', '----WebKitFormBoundary7MA4YWxkTrZu0gW', "a'()+_,-./:=? z"])
    pieces = [b'\r', b'\n', b'-', b'--', b'\r\n', b'\r\n--', boundary.encode(), boundary.encode()[:-1], b'q']
    module = b''.join(rng.choice(pieces) for _ in range(rng.randint(0, 120)))
    # Content must not contain the delimiter itself (RFC 2046: the sender picks a boundary that does not occur).
    delimiter = b'\r\n--' + boundary.encode()
    module = module.replace(delimiter, b'\r\n-+' + boundary.encode())
    content = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.so"\r\n\r\n'.encode()
        + module
        + f'\r\n--{boundary}--\r\n'.encode()
    )
    assert (module + delimiter).find(delimiter) == len(module), 'generator made content containing its delimiter'
    content_type = f'multipart/form-data; boundary="{boundary}"'
    status, data = parse(multipart_check, tmp_path, content, content_type, splits=True)
    assert (status, data) == ('ok', module)
