"""The one definition of every fact shared by the host tools and the C runtime.

HTTP paths, header names, defaults, the layout of the module info record and
the layout of a partition store record live here. `hotreload gen-protocol` renders them into `src/hr_protocol.h`
(checked in; a test fails when the two disagree), so C never spells one of
them by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

# --- HTTP -------------------------------------------------------------------

#: Default TCP port of the device's server (Kconfig HOTRELOAD_SERVER_PORT default).
DEFAULT_PORT = 8080

PATH_UPLOAD = '/upload'
PATH_RELOAD = '/reload'
PATH_UPLOAD_AND_RELOAD = '/upload-and-reload'
PATH_STATUS = '/status'
#: GET returns a fresh single-use nonce for the next authenticated request.
PATH_NONCE = '/nonce'

#: Hex SHA-256 of the request body (empty body: SHA-256 of b'').
HEADER_BODY_SHA256 = 'X-Hotreload-Body-SHA256'
#: The nonce obtained from PATH_NONCE; valid for one request.
HEADER_NONCE = 'X-Hotreload-Nonce'
#: Hex HMAC-SHA256 over auth_message(); see below.
HEADER_SIGNATURE = 'X-Hotreload-Signature'

#: Multipart uploads carry the module in this form field (curl -F "file=@...").
MULTIPART_FIELD = 'file'

# --- JSON responses (every response body is a JSON object) --------------------

#: Every response: true on success, false with RESP_ERROR on failure.
RESP_OK = 'ok'
#: On failure: one line saying what failed and what to do.
RESP_ERROR = 'error'
#: GET /status: hex SHA-256 identity of the running firmware (see "Firmware identity").
STATUS_FIRMWARE_SHA256 = 'firmware_sha256'
#: GET /status: whether the device requires authentication (GET /nonce + signature headers).
STATUS_AUTH = 'auth'
#: GET /status: list of objects, one per reloadable component of the firmware, each with
#: STATUS_MODULE_NAME, STATUS_MODULE_LOADED and, when loaded, STATUS_MODULE_SHA256 (hex SHA-256
#: of the module file); the host tools skip uploading a module the device already runs.
STATUS_MODULES = 'modules'
STATUS_MODULE_NAME = 'name'
STATUS_MODULE_LOADED = 'loaded'
STATUS_MODULE_SHA256 = 'sha256'
#: GET /status: true while an uploaded module waits for the application's safe point (cooperative mode).
STATUS_UPDATE_PENDING = 'update_pending'
#: GET /status: successful reloads since boot; with STATUS_UPDATE_PENDING it tells a staged reload's outcome.
STATUS_RELOAD_COUNT = 'reload_count'
#: GET /status: how long the last successful load took, in microseconds.
STATUS_LAST_LOAD_US = 'last_load_us'
#: GET /status: present after a failure: {"code": "<esp_err_t name>", "message": "<what to do>"}.
STATUS_LAST_ERROR = 'last_error'
#: POST /reload, /upload-and-reload: time the device spent loading and relocating, in microseconds.
RESP_LOAD_US = 'load_us'
#: POST /reload, /upload-and-reload: true when the new code already runs, false when it
#: is staged for the application's next safe point (cooperative mode).
RESP_RELOADED = 'reloaded'

# --- Files in the build directory --------------------------------------------

#: Directory under the build directory that holds everything hotreload generates.
BUILD_SUBDIR = 'hotreload'
#: Machine-readable description of the reloadable components (build pipeline writes it).
MANIFEST_NAME = 'manifest.json'
#: Hex-encoded 32-byte authentication key made at build time.
AUTH_KEY_NAME = 'auth.key'
#: The stripped module is written to <build>/<component><MODULE_SUFFIX>.
MODULE_SUFFIX = '_stripped.so'

# --- Partition ----------------------------------------------------------------

DEFAULT_PARTITION_LABEL = 'hotreload'
#: Default maximum size of one module (Kconfig HOTRELOAD_MAX_MODULE_SIZE default).
DEFAULT_MAX_MODULE_SIZE = 256 * 1024

# --- Module info record -------------------------------------------------------

#: Non-allocated section in every module ELF, written by the build after the
#: second link. The loader reads it before anything else.
MODULE_INFO_SECTION = '.hotreload.info'
MODULE_INFO_MAGIC = b'HRMODv1\0'


@dataclass(frozen=True)
class InfoField:
    """One field of a binary record (module info, store header): byte offset and size, little-endian."""

    name: str
    offset: int
    size: int


#: Layout of the MODULE_INFO_SECTION contents (all integers little-endian).
MODULE_INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField('magic', 0, 8),  # MODULE_INFO_MAGIC
    InfoField('info_size', 8, 4),  # MODULE_INFO_SIZE, for forward compatibility
    InfoField('export_count', 12, 4),  # number of exported functions
    InfoField('name', 16, 32),  # component name, UTF-8, NUL-padded (at most 31 bytes)
    InfoField('firmware_sha256', 48, 32),  # identity of the firmware the module was linked against
    InfoField('abi_fingerprint', 80, 32),  # abi_fingerprint() of the export names
)
MODULE_INFO_SIZE = 112
MODULE_NAME_MAX = 31

# --- Partition store record -----------------------------------------------------

#: A record in the hotreload partition is a run of whole sectors (NOR flash erase unit).
STORE_SECTOR_SIZE = 4096
STORE_MAGIC = b'HRSLOT1\0'
#: The header starts the record's first sector; it is written last, so a record exists whole or not at all.
STORE_HEADER_SIZE = 144
#: Module bytes start at this offset of the record's first sector.
STORE_DATA_OFFSET = 256
#: The component name field (NUL-padded, so at most STORE_NAME_SIZE - 1 bytes).
STORE_NAME_SIZE = 32

#: Layout of a store record header (integers little-endian); rendered as HR_PROTO_STORE_HDR_<FIELD>_OFFSET/_SIZE.
STORE_HEADER_FIELDS: tuple[InfoField, ...] = (
    InfoField('magic', 0, 8),  # STORE_MAGIC
    InfoField('seq', 8, 4),  # sequence number: larger is newer
    InfoField('length', 12, 4),  # module bytes
    InfoField('name', 16, STORE_NAME_SIZE),  # component name
    InfoField('data_sha256', 48, 32),  # SHA-256 of the module bytes
    InfoField('firmware_sha256', 80, 32),  # identity of the firmware the record is for
    InfoField('header_sha256', 112, 32),  # SHA-256 of the header bytes before this field
)

# --- Identities -----------------------------------------------------------------

#: Firmware identity: SHA-256 of the firmware ELF file. On ESP-IDF this is the
#: value esptool stores in the app description (esp_app_get_elf_sha256()); the
#: simulated device hashes its own executable.
FIRMWARE_ID_SIZE = 32


def abi_fingerprint(export_names: Iterable[str]) -> bytes:
    """SHA-256 over the export names in table order, each followed by a newline."""
    digest = hashlib.sha256()
    for name in export_names:
        digest.update(name.encode() + b'\n')
    return digest.digest()


def table_order(export_names: Iterable[str]) -> list[str]:
    """The order of the symbol table: names sorted bytewise (the loader relies on it)."""
    return sorted(set(export_names), key=lambda name: name.encode())


def auth_message(method: str, path: str, body_sha256_hex: str, nonce: str) -> bytes:
    """The bytes the request signature (HMAC-SHA256 with the build's key) covers."""
    return f'{method.upper()}\n{path}\n{body_sha256_hex.lower()}\n{nonce}'.encode()
