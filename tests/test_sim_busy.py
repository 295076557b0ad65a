"""One upload at a time, on the simulated device: what a second client sees while an upload streams.

The device's server (like esp_http_server's single task on a chip) handles one
request at a time, so a second upload cannot reach the store while the first
streams: it waits, unanswered, and is served once the first has committed, or
once a stalled first upload has been dropped (408). The store's own refusal of
a second writer (503, "wait for it and retry") is reached only by the
application calling hotreload_update_partition() during an upload, which a
one-thread device cannot do; tests/test_runtime_api.py checks that mapping.

The session builds are test_sim_device.py's (one build per architecture for both files).
"""

from __future__ import annotations

import hashlib
import json
import socket

import pytest
import test_sim_device
from test_sim_device import ARCHS, NEW, OLD, SimBuild, signed, status

from hotreload_py import protocol, sim
from hotreload_py.client import sign_headers

pytestmark = pytest.mark.qemu_user
#: The session build per architecture and a device running the original module, shared with test_sim_device.py.
built = test_sim_device.built
device = test_sim_device.device


def _start_upload(dev: sim.SimDevice, key: bytes, path: str, body: bytes) -> socket.socket:
    """A signed upload whose body stops halfway, on a socket the caller holds open."""
    nonce = json.loads(_exchange(dev, f'GET {protocol.PATH_NONCE} HTTP/1.1\r\nHost: sim\r\n\r\n'.encode()))['nonce']
    headers = sign_headers(key, 'POST', path, body, nonce)
    head = f'POST {path} HTTP/1.1\r\nHost: sim\r\nContent-Type: application/octet-stream\r\n'
    head += ''.join(f'{k}: {v}\r\n' for k, v in headers.items())
    head += f'Content-Length: {len(body)}\r\nConnection: close\r\n\r\n'
    conn = socket.create_connection(('127.0.0.1', dev.port), timeout=60)
    conn.sendall(head.encode() + body[: len(body) // 2])
    return conn


def _exchange(dev: sim.SimDevice, request: bytes) -> str:
    """Send one request on a new connection; the response body (200 required)."""
    with socket.create_connection(('127.0.0.1', dev.port), timeout=60) as conn:
        conn.sendall(request)
        code, body = _read_response(conn)
    assert code == 200, body
    return body


def _read_response(conn: socket.socket) -> tuple[int, str]:
    """Status code and body of one HTTP/1.1 response with a Content-Length (or ended by close)."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(4096)
        assert chunk, f'connection closed before a response head: {data!r}'
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(':') for line in lines[1:])}
    length = int(fields['content-length']) if 'content-length' in fields else None
    while length is None or len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), body.decode()


def _sent_nonce_request(dev: sim.SimDevice) -> socket.socket:
    """The second client's first step (its nonce request), put on the wire now; read the answer later."""
    conn = socket.create_connection(('127.0.0.1', dev.port), timeout=60)
    conn.sendall(f'GET {protocol.PATH_NONCE} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n'.encode())
    return conn


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_busy_second_upload_waits_and_both_commit_in_order(built: SimBuild, device: sim.SimDevice) -> None:
    mark = device.mark()
    first = _start_upload(device, built.key, protocol.PATH_UPLOAD_AND_RELOAD, built.edited)
    with first, _sent_nonce_request(device) as second:
        first.sendall(built.edited[len(built.edited) // 2 :])
        code, text = _read_response(first)
        assert code == 200, text
        first_reply = json.loads(text)
        # The first upload's 200 shows its nonce was checked before the second client's nonce request was
        # served (a new nonce replaces the outstanding one); that request was answered only after the commit.
        code, text = _read_response(second)
        assert code == 200, text
        nonce = json.loads(text)['nonce']
    assert first_reply['sha256'] == hashlib.sha256(built.edited).hexdigest()
    # The first upload was staged; let the application load it before the second commits (newest wins).
    device.wait_for(NEW, since=mark, timeout=30)
    reply = signed(device.url, built.key, protocol.PATH_UPLOAD, built.original, nonce=nonce)
    assert reply.status_code == 200, reply.text
    second_reply = reply.json()
    assert second_reply['sha256'] == hashlib.sha256(built.original).hexdigest()
    assert second_reply['sequence'] == first_reply['sequence'] + 1
    # A restart loads the newest commit, the second's.
    device.stop()
    device.start(timeout=60)
    device.wait_for(OLD, timeout=30)
    assert not any('2 + 3 = 23' in line for line in device.output())


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_busy_stalled_upload_408_then_waiting_upload_commits(built: SimBuild, device: sim.SimDevice) -> None:
    before = status(device.url)[protocol.STATUS_RELOAD_COUNT]
    assert isinstance(before, int)
    stalled = _start_upload(device, built.key, protocol.PATH_UPLOAD_AND_RELOAD, built.edited)
    with stalled, _sent_nonce_request(device) as second:
        # Nothing more is sent on the first connection: after recv_wait_timeout the device drops it.
        code, text = _read_response(stalled)
        assert code == 408, text
        body = json.loads(text)
        assert body[protocol.RESP_OK] is False
        assert 'send it again' in body[protocol.RESP_ERROR]
        code, text = _read_response(second)
        assert code == 200, text
        nonce = json.loads(text)['nonce']
    device.wait_for(r'upload stopped after .*\(client stalled\)', timeout=30)
    assert status(device.url)[protocol.STATUS_UPDATE_PENDING] is False
    reply = signed(device.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, built.edited, nonce=nonce)
    assert reply.status_code == 200, reply.text
    device.wait_for(NEW, since=device.mark(), timeout=30)
    assert status(device.url)[protocol.STATUS_RELOAD_COUNT] == before + 1
