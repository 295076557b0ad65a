"""Request authentication (src/hr_auth.c) and the crypto it rests on (sim/platform/src/hr_crypto_soft.c).

Signatures are computed independently here with Python's hmac module over
protocol.auth_message(), the same function the host tools sign with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime.cbuild import build_program

from hotreload_py import protocol

KEY = bytes(range(32))
TTL_US = 60_000_000


@pytest.fixture(scope='session')
def auth_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_program('auth_tool', ['src/hr_auth.c'], tmp_path_factory.mktemp('auth'))


class Device:
    def __init__(self, binary: Path, key: bytes) -> None:
        self.proc = subprocess.Popen(
            [str(binary), key.hex()], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def ask(self, line: str) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def nonce(self, now: int = 0) -> str:
        return self.ask(f'nonce {now}')

    def check(self, nonce: str, body_sha: str, signature: str, now: int = 0, method: str = 'POST') -> str:
        return self.ask(f'check {now} {method} {protocol.PATH_UPLOAD} {nonce} {body_sha} {signature}')

    def close(self) -> None:
        assert self.proc.stdin and self.proc.stderr
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0
        errors = self.proc.stderr.read()
        assert 'Sanitizer' not in errors and 'runtime error' not in errors, errors


@pytest.fixture
def device(auth_binary: Path) -> Iterator[Device]:
    dev = Device(auth_binary, KEY)
    yield dev
    dev.close()


def sign(nonce: str, body: bytes, key: bytes = KEY, method: str = 'POST', path: str = protocol.PATH_UPLOAD) -> str:
    message = protocol.auth_message(method, path, hashlib.sha256(body).hexdigest(), nonce)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize('size', [0, 1, 55, 56, 63, 64, 65, 1000, 100_000])
def test_crypto_sha256_matches_hashlib(device: Device, size: int) -> None:
    data = os.urandom(size)
    assert device.ask(f'sha256 {data.hex()}') == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize('size', [0, 3, 64, 200])
def test_crypto_hmac_matches_python_hmac(device: Device, size: int) -> None:
    data = os.urandom(size)
    assert device.ask(f'hmac {data.hex()}') == hmac.new(KEY, data, hashlib.sha256).hexdigest()


def test_auth_good_signature_accepted(device: Device) -> None:
    body = os.urandom(500)
    nonce = device.nonce()
    assert len(nonce) == 32 and int(nonce, 16) >= 0
    sha = hashlib.sha256(body).hexdigest()
    assert device.check(nonce, sha, sign(nonce, body)) == f'ok {sha}'


def test_auth_upper_case_hex_and_lower_case_method_accepted(device: Device) -> None:
    body = b'module'
    nonce = device.nonce()
    sha = hashlib.sha256(body).hexdigest()
    assert device.check(nonce, sha.upper(), sign(nonce, body).upper(), method='post') == f'ok {sha}'


def test_auth_wrong_key_refused(device: Device) -> None:
    nonce = device.nonce()
    body = b'x'
    answer = device.check(nonce, hashlib.sha256(body).hexdigest(), sign(nonce, body, key=bytes(32)))
    assert answer.startswith('error ESP_ERR_INVALID_CRC')
    assert 'auth.key' in answer


def test_auth_replayed_nonce_refused(device: Device) -> None:
    body = b'module v1'
    nonce = device.nonce()
    sha, sig = hashlib.sha256(body).hexdigest(), sign(nonce, body)
    assert device.check(nonce, sha, sig).startswith('ok')
    assert device.check(nonce, sha, sig).startswith('error ESP_ERR_INVALID_STATE')


def test_auth_failed_attempt_burns_the_nonce(device: Device) -> None:
    body = b'module'
    nonce = device.nonce()
    sha = hashlib.sha256(body).hexdigest()
    assert device.check(nonce, sha, '0' * 64).startswith('error ESP_ERR_INVALID_CRC')
    assert device.check(nonce, sha, sign(nonce, body)).startswith('error ESP_ERR_INVALID_STATE')


def test_auth_tampered_body_hash_refused(device: Device) -> None:
    body = b'original module'
    nonce = device.nonce()
    other = hashlib.sha256(b'evil module').hexdigest()
    assert device.check(nonce, other, sign(nonce, body)).startswith('error ESP_ERR_INVALID_CRC')


def test_auth_signature_for_other_path_refused(device: Device) -> None:
    body = b''
    nonce = device.nonce()
    sig = sign(nonce, body, path=protocol.PATH_RELOAD)
    assert device.check(nonce, hashlib.sha256(body).hexdigest(), sig).startswith('error ESP_ERR_INVALID_CRC')


def test_auth_older_nonce_replaced_by_newer(device: Device) -> None:
    body = b'm'
    first = device.nonce()
    second = device.nonce()
    assert first != second
    sha = hashlib.sha256(body).hexdigest()
    assert device.check(first, sha, sign(first, body)).startswith('error ESP_ERR_INVALID_STATE')


def test_auth_expired_nonce_refused(device: Device) -> None:
    body = b'm'
    nonce = device.nonce(now=1000)
    sha = hashlib.sha256(body).hexdigest()
    answer = device.check(nonce, sha, sign(nonce, body), now=1000 + TTL_US + 1)
    assert answer.startswith('error ESP_ERR_INVALID_STATE')
    nonce = device.nonce(now=5000)
    assert device.check(nonce, sha, sign(nonce, body), now=5000 + TTL_US).startswith('ok')


def test_auth_missing_or_malformed_headers_refused(device: Device) -> None:
    body = b'm'
    sha = hashlib.sha256(body).hexdigest()
    nonce = device.nonce()
    assert device.check(nonce, sha, '-').startswith('error ESP_ERR_INVALID_ARG')
    nonce = device.nonce()
    assert device.check('-', sha, sign(nonce, body)).startswith('error ESP_ERR_INVALID_ARG')
    nonce = device.nonce()
    assert device.check(nonce, sha[:-1], sign(nonce, body)).startswith('error ESP_ERR_INVALID_ARG')
    nonce = device.nonce()
    assert device.check(nonce, sha, 'zz' * 32).startswith('error ESP_ERR_INVALID_ARG')


def test_auth_no_nonce_issued_refused(device: Device) -> None:
    body = b'm'
    assert device.check('0' * 32, hashlib.sha256(body).hexdigest(), sign('0' * 32, body)).startswith(
        'error ESP_ERR_INVALID_STATE'
    )
