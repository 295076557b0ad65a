"""Write the module partition over serial.

In an ESP-IDF build the build's own `hotreload-flash` target does it (it knows
the partition image, the offset and the chip), so that is what runs, with the
port and baud rate passed the way idf.py passes them (ESPPORT, ESPBAUD).
Without that target, esptool writes the image at the partition's offset read
from the build's partition table.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hotreload_py import protocol
from hotreload_py.errors import BuildError, HotreloadError
from hotreload_py.manifest import Manifest, load_manifest

FLASH_TARGET = 'hotreload-flash'
#: Where ESP-IDF writes the binary partition table, relative to the build directory.
PARTITION_TABLE_BIN = Path('partition_table') / 'partition-table.bin'
#: The build writes the partition image (the store's format, module committed) here.
PARTITION_IMAGE_DIR = Path(protocol.BUILD_SUBDIR)
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


def partition_image(manifest: Manifest) -> Path:
    """The partition image (store format, module committed) the build makes for serial flashing."""
    return Path(manifest.build_dir) / PARTITION_IMAGE_DIR / f'{manifest.partition_label}.bin'


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
        command = [*manifest.build_tool, '--target', FLASH_TARGET]
        if '--build' not in manifest.build_tool:
            command = [*manifest.build_tool, FLASH_TARGET]
        _run(command, flash_env(port, baud), 'writing the hotreload partition')
        return
    partition = find_partition(Path(manifest.build_dir), manifest.partition_label)
    image = partition_image(manifest)
    if not image.is_file():
        raise BuildError(
            f'this build has neither a {FLASH_TARGET} target nor a partition image {image}: '
            'upload the module over the network instead (idf.py reload)'
        )
    if image.stat().st_size > partition.size:
        raise BuildError(
            f'{image} ({image.stat().st_size} bytes) does not fit the {partition.label} partition '
            f'({partition.size} bytes): make the partition larger in partitions.csv and flash the firmware'
        )
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
