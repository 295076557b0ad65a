"""HTTP client for a device's hotreload server: status, nonce, upload, reload.

Every failure becomes a DeviceError whose message is one line saying what
happened and what to do. Requests are signed automatically when a key is given
(docs/CONTRACTS.md "Authentication"): the body travels raw
(application/octet-stream) so the signed body hash is the hash of exactly the
bytes the device receives.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from hotreload_py import protocol
from hotreload_py.errors import BuildError, DeviceError

#: Seconds to wait for the TCP connection to the device.
CONNECT_TIMEOUT = 5.0
#: Seconds to wait for a reply to a quick request (status, nonce).
STATUS_TIMEOUT = 10.0
#: Seconds to wait for a reply to an upload or reload: the device erases and
#: writes flash, then loads, before it answers.
UPLOAD_TIMEOUT = 60.0
#: Upload chunk size; also the granularity of the progress display.
CHUNK_SIZE = 4096

FLASH_HINT = 'flash the firmware (idf.py flash)'
#: httpx's default headers, none of which the device reads. Its HTTP server refuses a request head
#: (header lines after the request line) longer than CONFIG_HTTPD_MAX_REQ_HDR_LEN with 431, and that
#: is 512 bytes by default before ESP-IDF v5.5; the signature headers alone take 190 of them.
UNSENT_HEADERS = ('Accept', 'Accept-Encoding', 'Connection', 'User-Agent')

# httpx logs every request at INFO, which the CLI shows; the tools say what matters themselves.
logging.getLogger('httpx').setLevel(logging.WARNING)


class DeviceUnreachableError(DeviceError):
    """The device did not answer at all (refused, timed out, dropped the connection): worth retrying."""


class FirmwareMismatchError(DeviceError):
    """The device runs other firmware than the module was built for: flash it, then reloads work again."""


def normalize_url(value: str | None) -> str:
    """The device's base URL from what the user typed.

    Accepts `host`, `host:port` (default port protocol.DEFAULT_PORT) and
    `http://host[:port]` (an explicit scheme keeps URL rules: no port means 80).
    """
    if value is None or not value.strip():
        raise DeviceError(
            'no device URL: pass --url http://DEVICE_IP:8080 or set HOTRELOAD_URL '
            '(the device prints its address when the hotreload server starts)'
        )
    text = value.strip()
    has_scheme = '://' in text
    try:
        parts = urlsplit(text if has_scheme else f'http://{text}')
        port = parts.port
    except ValueError as exc:
        raise DeviceError(
            f"device URL '{value}' is not valid ({exc}): use host, host:port or http://host:port"
        ) from None
    if parts.scheme not in ('http', 'https'):
        raise DeviceError(f"device URL '{value}' has scheme '{parts.scheme}': the device serves http://")
    if not parts.hostname:
        raise DeviceError(f"device URL '{value}' has no host name: use host, host:port or http://host:port")
    if parts.path not in ('', '/') or parts.query or parts.fragment:
        raise DeviceError(
            f"device URL '{value}' has a path: give only the device's address, e.g. http://{parts.netloc}"
            f' (the tools add {protocol.PATH_UPLOAD_AND_RELOAD} and the other paths themselves)'
        )
    if port is None and not has_scheme:
        port = protocol.DEFAULT_PORT
    host = parts.hostname
    if ':' in host:
        host = f'[{host}]'
    return f'{parts.scheme}://{host}' + (f':{port}' if port is not None else '')


def read_key(path: Path) -> bytes:
    """The authentication key the build stored in path, or DeviceError saying how to get a good one."""
    from hotreload_py.build import read_auth_key  # the writer of the key file owns its format

    try:
        return read_auth_key(path)
    except BuildError as exc:
        raise DeviceError(str(exc)) from None


def sign_headers(key: bytes, method: str, path: str, body: bytes, nonce: str) -> dict[str, str]:
    """The headers that authenticate one request (protocol.auth_message)."""
    body_sha256 = hashlib.sha256(body).hexdigest()
    message = protocol.auth_message(method, path, body_sha256, nonce)
    signature = hmac.new(key, message, hashlib.sha256).hexdigest()
    return {
        protocol.HEADER_NONCE: nonce,
        protocol.HEADER_BODY_SHA256: body_sha256,
        protocol.HEADER_SIGNATURE: signature,
    }


@dataclass(frozen=True)
class DeviceReply:
    """A successful answer: the JSON body and how long the request took."""

    body: dict[str, Any]
    seconds: float


class _Progress:
    """One self-overwriting line on a terminal; nothing when the stream is not one."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        percent = 100 * done // max(self.total, 1)
        self.stream.write(f'\r{self.label}: {percent:3d}% {done // 1024} KiB {done / 1024 / elapsed:.0f} KiB/s')
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write('\r\x1b[K')
            self.stream.flush()


class DeviceClient:
    """One device's hotreload server. Use as a context manager."""

    def __init__(
        self,
        url: str,
        key: bytes | None = None,
        *,
        timeout: float | None = None,
        progress: TextIO | None = None,
    ) -> None:
        """url: anything normalize_url accepts; key: the build's authentication key, if it made one;
        timeout: overrides the reply timeouts (seconds); progress: a stream for upload progress
        (default: stderr when it is a terminal)."""
        self.url = normalize_url(url)
        self.key = key
        self.status_timeout = timeout if timeout is not None else STATUS_TIMEOUT
        self.upload_timeout = timeout if timeout is not None else UPLOAD_TIMEOUT
        if progress is None and sys.stderr.isatty():
            progress = sys.stderr
        self.progress = progress
        self._http = httpx.Client(base_url=self.url, follow_redirects=False, trust_env=False)
        for name in UNSENT_HEADERS:
            del self._http.headers[name]

    def __enter__(self) -> DeviceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- requests ---------------------------------------------------------------

    def status(self) -> DeviceReply:
        """GET /status."""
        return self._request('GET', protocol.PATH_STATUS, None, 'reading the device status')

    def nonce(self) -> str:
        """GET /nonce: a fresh single-use nonce."""
        reply = self._request('GET', protocol.PATH_NONCE, None, 'asking the device for a nonce')
        nonce = reply.body.get('nonce')
        if not isinstance(nonce, str) or not nonce:
            raise DeviceError(f'{self.url}{protocol.PATH_NONCE} answered without a nonce: update the device firmware')
        return nonce

    def upload(self, module: bytes) -> DeviceReply:
        """POST /upload: store the module; the running code does not change."""
        return self._signed('POST', protocol.PATH_UPLOAD, module, 'uploading the module')

    def reload(self) -> DeviceReply:
        """POST /reload: load the stored module."""
        return self._signed('POST', protocol.PATH_RELOAD, b'', 'reloading')

    def upload_and_reload(self, module: bytes) -> DeviceReply:
        """POST /upload-and-reload: store the module and load it."""
        return self._signed('POST', protocol.PATH_UPLOAD_AND_RELOAD, module, 'uploading the module')

    # --- internals ----------------------------------------------------------------

    def _signed(self, method: str, path: str, body: bytes, what: str) -> DeviceReply:
        headers = {'Content-Type': 'application/octet-stream'}
        if self.key is not None:
            headers.update(sign_headers(self.key, method, path, body, self.nonce()))
        return self._request(method, path, body, what, headers)

    def _body_stream(self, body: bytes, what: str) -> Iterator[bytes]:
        progress = _Progress(self.progress, len(body), what) if self.progress is not None else None
        for offset in range(0, len(body), CHUNK_SIZE):
            yield body[offset : offset + CHUNK_SIZE]
            if progress is not None:
                progress.update(min(offset + CHUNK_SIZE, len(body)))
        if progress is not None:
            progress.finish()

    def _request(
        self, method: str, path: str, body: bytes | None, what: str, headers: dict[str, str] | None = None
    ) -> DeviceReply:
        reply_timeout = self.status_timeout if body is None else self.upload_timeout
        timeout = httpx.Timeout(reply_timeout, connect=min(CONNECT_TIMEOUT, reply_timeout))
        all_headers = dict(headers or {})
        content: bytes | Iterator[bytes] | None = None
        if body is not None:
            all_headers['Content-Length'] = str(len(body))
            content = self._body_stream(body, what) if body else b''
        start = time.monotonic()
        try:
            response = self._http.request(method, path, content=content, headers=all_headers, timeout=timeout)
        except httpx.ConnectTimeout:
            raise DeviceUnreachableError(
                f'cannot reach the device at {self.url}: no answer to the connection within {CONNECT_TIMEOUT:g} s; '
                'check that it is powered and on the same network, and that --url / HOTRELOAD_URL is its address'
            ) from None
        except httpx.ConnectError as exc:
            raise DeviceUnreachableError(
                f'cannot reach the device at {self.url} ({_reason(exc)}): check that it is running firmware with the '
                'hotreload server (hotreload_server_start) and that --url / HOTRELOAD_URL is its address and port'
            ) from None
        except httpx.TimeoutException:
            raise DeviceUnreachableError(
                f'the device at {self.url} did not answer within {reply_timeout:g} s while {what}: '
                'check the serial monitor for a crash or a busy loop, then try again'
            ) from None
        except httpx.RemoteProtocolError as exc:
            raise DeviceUnreachableError(
                f'the device at {self.url} closed the connection while {what} ({_reason(exc)}): '
                'it may have rebooted; check the serial monitor, then try again'
            ) from None
        except httpx.TransportError as exc:
            raise DeviceError(f'talking to the device at {self.url} failed while {what} ({_reason(exc)})') from None
        seconds = time.monotonic() - start
        return DeviceReply(self._check(response, method, path, body), seconds)

    def _check(self, response: httpx.Response, method: str, path: str, body: bytes | None) -> dict[str, Any]:
        parsed: Any = None
        try:
            parsed = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
        data: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
        code = response.status_code
        message = data.get(protocol.RESP_ERROR)
        said = f' (device: {message})' if isinstance(message, str) and message else ''
        where = f'{method} {self.url}{path}'
        if code == 200 and isinstance(parsed, dict):
            if data.get(protocol.RESP_OK, True) is False:
                raise DeviceError(f'{where} failed{said}')
            return data
        if code == 200:
            raise DeviceError(
                f'{where} answered with something that is not JSON: {self.url} is not a hotreload device server; '
                'check --url / HOTRELOAD_URL'
            )
        if code == 404:
            raise DeviceError(
                f'{where} answered 404: {self.url} is not a hotreload device server or runs a firmware without it; '
                f'check --url / HOTRELOAD_URL (the server listens on port {protocol.DEFAULT_PORT} by default)'
            )
        if code == 401:
            hint = (
                "the device rejected this build's key: flash the firmware from this build directory (idf.py flash)"
                if self.key is not None
                else 'the device requires authentication but this build has no key '
                f'({protocol.BUILD_SUBDIR}/{protocol.AUTH_KEY_NAME}): use the build directory the firmware came from'
            )
            raise DeviceError(f'{where}: authentication failed{said}; {hint}')
        if code == 409:
            raise FirmwareMismatchError(f'{where}: the module was built for other firmware{said}; {FLASH_HINT}')
        if code == 413:
            size = f'{len(body)} bytes' if body is not None else 'the request'
            raise DeviceError(
                f'{where}: the module ({size}) is too large for the device{said}; make the module smaller, or raise '
                'CONFIG_HOTRELOAD_MAX_MODULE_SIZE and the hotreload partition size and flash the firmware'
            )
        if code == 503:
            raise DeviceError(f'{where}: the device is busy with another upload or reload{said}; try again in a moment')
        if code == 408:
            raise DeviceUnreachableError(
                f'{where}: the device stopped waiting for the upload{said}; the link is slow or was interrupted: '
                'try again'
            )
        if code == 400:
            raise DeviceError(f'{where}: the device rejected the module{said}; rebuild it (idf.py reload)')
        if code == 431:
            raise DeviceError(
                f'{where}: the request headers are longer than the device accepts; use a shorter --url (an IP '
                'address), or set CONFIG_HTTPD_MAX_REQ_HDR_LEN=1024 in sdkconfig and flash the firmware'
            )
        raise DeviceError(f'{where} answered HTTP {code}{said}')


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    if 'Connection refused' in text:
        return 'connection refused'
    return text.splitlines()[-1] if text else type(exc).__name__
