"""Write the module partition over serial.

In an ESP-IDF build the build's own `hotreload-flash` target does it when it
exists, with the port and baud rate passed the way idf.py passes them
(ESPPORT, ESPBAUD). Otherwise esptool writes a partition image made here at the
partition's offset read from the build's partition table.

The image is what the device's store (src/hr_store.c) would hold after
uploading each module: one record per module, header written as the store
writes it, the rest erased (0xFF) so that no older record survives to win over
the flashed ones. tests/test_reload.py checks it with the C store itself.
"""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hotreload_py import protocol
from hotreload_py.errors import BuildError, HotreloadError
from hotreload_py.manifest import Manifest, load_manifest
from hotreload_py.reload import build_command

FLASH_TARGET = 'hotreload-flash'
#: Where ESP-IDF writes the binary partition table, relative to the build directory.
PARTITION_TABLE_BIN = Path('partition_table') / 'partition-table.bin'
#: partition_image() output, <build>/hotreload/<label>.bin.
PARTITION_IMAGE_DIR = Path(protocol.BUILD_SUBDIR)

#: The store header's fields by name (protocol.STORE_HEADER_FIELDS, which src/hr_store.c is compiled from).
_HDR = {field.name: field for field in protocol.STORE_HEADER_FIELDS}
_ENTRY = struct.Struct('<2sBBII16sI')
_ENTRY_MAGIC = b'\xaa\x50'
_MD5_MAGIC = b'\xeb\xeb'


@dataclass(frozen=True)
class Partition:
    """One entry of an ESP-IDF partition table."""

    label: str
    type: int
    subtype: int
    offset: int
    size: int


def parse_partition_table(data: bytes) -> list[Partition]:
    """The entries of a binary ESP-IDF partition table (gen_esp32part.py format)."""
    entries: list[Partition] = []
    for start in range(0, len(data) - _ENTRY.size + 1, _ENTRY.size):
        magic, ptype, subtype, offset, size, label, _flags = _ENTRY.unpack_from(data, start)
        if magic != _ENTRY_MAGIC:
            if magic in (_MD5_MAGIC, b'\xff\xff'):
                break
            raise BuildError(f'partition table entry {len(entries)} has magic {magic.hex()}: rebuild the project')
        entries.append(Partition(label.rstrip(b'\0').decode(errors='replace'), ptype, subtype, offset, size))
    return entries


def find_partition(build_dir: Path, label: str) -> Partition:
    """The partition called label in the build's partition table."""
    path = build_dir / PARTITION_TABLE_BIN
    try:
        entries = parse_partition_table(path.read_bytes())
    except FileNotFoundError:
        raise BuildError(f'{path} does not exist: build the project (idf.py build)') from None
    for entry in entries:
        if entry.label == label:
            return entry
    known = ', '.join(entry.label for entry in entries) or 'none'
    raise BuildError(
        f"the partition table has no partition '{label}' (it has: {known}): add a line "
        f'`{label}, app, 0x40, , 512k,` to partitions.csv (CONFIG_PARTITION_TABLE_CUSTOM) and flash the firmware'
    )


def store_image(modules: Sequence[tuple[str, bytes]], firmware_sha256: bytes, size: int) -> bytes:
    """A partition of size bytes holding each (component name, module bytes) as a committed store record."""
    image = bytearray(b'\xff' * size)
    offset = 0
    for seq, (name, module) in enumerate(modules, start=1):
        encoded = name.encode()
        if not encoded or len(encoded) >= protocol.STORE_NAME_SIZE:
            raise BuildError(f"component name '{name}' must be 1 to {protocol.STORE_NAME_SIZE - 1} bytes for the store")
        end = offset + protocol.STORE_DATA_OFFSET + len(module)
        if end > size:
            raise BuildError(
                f'the modules ({sum(len(m) for _, m in modules)} bytes) do not fit the {size}-byte hotreload '
                'partition: make it larger in partitions.csv and flash the firmware'
            )
        header = store_header(seq, encoded, module, firmware_sha256)
        image[offset : offset + len(header)] = header
        image[offset + protocol.STORE_DATA_OFFSET : end] = module
        offset = -(-end // protocol.STORE_SECTOR_SIZE) * protocol.STORE_SECTOR_SIZE
    return bytes(image)


def store_header(seq: int, name: bytes, module: bytes, firmware_sha256: bytes) -> bytes:
    """The committed header of a store record, as src/hr_store.c writes it (header digest last)."""
    header = bytearray(protocol.STORE_HEADER_SIZE)
    _put(header, 'magic', protocol.STORE_MAGIC)
    _put(header, 'seq', seq.to_bytes(_HDR['seq'].size, 'little'))
    _put(header, 'length', len(module).to_bytes(_HDR['length'].size, 'little'))
    _put(header, 'name', name.ljust(_HDR['name'].size, b'\0'))
    _put(header, 'data_sha256', hashlib.sha256(module).digest())
    _put(header, 'firmware_sha256', firmware_sha256)
    self_digest = _HDR['header_sha256']
    _put(header, 'header_sha256', hashlib.sha256(header[: self_digest.offset]).digest())
    return bytes(header)


def _put(header: bytearray, field_name: str, value: bytes) -> None:
    field = _HDR[field_name]
    if len(value) != field.size:
        raise BuildError(f'store header field {field_name} takes {field.size} bytes, got {len(value)}')
    header[field.offset : field.offset + field.size] = value


def partition_image(manifest: Manifest, size: int) -> Path:
    """Write <build>/hotreload/<label>.bin: every module of the build, committed for its firmware."""
    firmware = Path(manifest.firmware_elf)
    if not firmware.is_file():
        raise BuildError(f'the firmware {firmware} does not exist: build the project first')
    modules = []
    for entry in manifest.components:
        try:
            modules.append((entry.name, Path(entry.module).read_bytes()))
        except OSError as exc:
            raise BuildError(f'cannot read the module {entry.module} ({exc.strerror}): build the project') from None
    firmware_sha256 = hashlib.sha256(firmware.read_bytes()).digest()
    out = Path(manifest.build_dir) / PARTITION_IMAGE_DIR / f'{manifest.partition_label}.bin'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(store_image(modules, firmware_sha256, size))
    return out


def flash_env(port: str | None, baud: int | None) -> dict[str, str]:
    """The environment ESP-IDF's flash targets read the serial port and baud rate from."""
    env = dict(os.environ)
    if port:
        env['ESPPORT'] = port
    if baud:
        env['ESPBAUD'] = str(baud)
    return env


def has_build_target(manifest: Manifest, target: str) -> bool:
    """Whether the build defines target (Ninja builds only; others are assumed to)."""
    build_dir = Path(manifest.build_dir)
    if not (build_dir / 'build.ninja').is_file():
        return True
    result = subprocess.run(
        ['ninja', '-C', str(build_dir), '-t', 'query', target],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def flash(build_dir: Path, port: str | None = None, baud: int | None = None) -> None:
    """Write the module partition of build_dir to the chip on port."""
    manifest = load_manifest(build_dir)
    if manifest.generator != 'esp-idf':
        raise HotreloadError(
            f'{build_dir} is a {manifest.generator} build for {manifest.target}, which has no serial flash: '
            'upload modules with hotreload reload --url URL'
        )
    if has_build_target(manifest, FLASH_TARGET):
        _run(build_command(manifest, [FLASH_TARGET]), flash_env(port, baud), 'writing the hotreload partition')
        return
    partition = find_partition(Path(manifest.build_dir), manifest.partition_label)
    image = partition_image(manifest, partition.size)
    command = [sys.executable, '-m', 'esptool', '--chip', manifest.target]
    if port:
        command += ['--port', port]
    if baud:
        command += ['--baud', str(baud)]
    command += ['write_flash', hex(partition.offset), str(image)]
    _run(command, dict(os.environ), 'running esptool (pip install esptool if it is missing)')


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, check=False)
    except OSError as exc:
        raise HotreloadError(f'{what} failed: cannot run {command[0]} ({exc.strerror})') from None
    if result.returncode != 0:
        raise HotreloadError(
            f'{what} failed (exit code {result.returncode}): check the serial port (-p) and that no monitor holds it'
        )
