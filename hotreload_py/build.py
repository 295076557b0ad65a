"""The build pipeline's own steps: package a module, make the auth key, write the manifest.

CMake (cmake/hotreload.cmake) calls these through `hotreload package-module`,
`hotreload gen-auth` and `hotreload write-manifest`; the code generation steps
(stubs, tables, linker scripts) live in codegen.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from elftools.elf.elffile import ELFFile

from hotreload_py import codegen, elf, protocol
from hotreload_py.errors import BuildError, ElfError
from hotreload_py.manifest import ComponentEntry, Manifest, save_manifest

#: Sections the loader never reads; removed from the packaged module on top of debug info.
_DROPPED_SECTIONS = ('.comment', '.riscv.attributes', '.xtensa.info', '.xt.prop', '.xt.lit')


def file_sha256(path: Path) -> bytes:
    """SHA-256 of a file's bytes (the firmware identity when @p path is the firmware ELF)."""
    digest = hashlib.sha256()
    try:
        with path.open('rb') as stream:
            for block in iter(lambda: stream.read(1 << 16), b''):
                digest.update(block)
    except OSError as exc:
        raise BuildError(f'{path}: cannot read ({exc.strerror}); build the firmware first') from exc
    return digest.digest()


def module_info(name: str, exports: list[str], firmware_sha256: bytes) -> bytes:
    """The bytes of the .hotreload.info record (layout: protocol.MODULE_INFO_FIELDS)."""
    encoded = name.encode()
    if not encoded or len(encoded) > protocol.MODULE_NAME_MAX:
        raise BuildError(
            f'component name {name!r} is {len(encoded)} bytes; the module info record holds 1..'
            f'{protocol.MODULE_NAME_MAX}: give the component a shorter name (NAME argument)'
        )
    values: dict[str, bytes] = {
        'magic': protocol.MODULE_INFO_MAGIC,
        'info_size': protocol.MODULE_INFO_SIZE.to_bytes(4, 'little'),
        'export_count': len(exports).to_bytes(4, 'little'),
        'name': encoded,
        'firmware_sha256': firmware_sha256,
        'abi_fingerprint': protocol.abi_fingerprint(exports),
    }
    record = bytearray(protocol.MODULE_INFO_SIZE)
    for field in protocol.MODULE_INFO_FIELDS:
        value = values[field.name]
        record[field.offset : field.offset + len(value)] = value
    return bytes(record)


def package_module(module: Path, firmware: Path, name: str, objcopy: str, out: Path) -> list[str]:
    """Strip @p module to what the loader reads, stamp its info record, write @p out; returns the exports.

    @p module is the second-pass link (ET_EXEC with --emit-relocs); @p firmware
    the ELF it was linked against, whose SHA-256 becomes the module's identity.
    """
    image = elf.load(module)
    if image.elf_type != elf.ET_EXEC:
        raise ElfError(
            f'{module}: is a relocatable object, not the second-pass module link; '
            'package the module linked against the firmware (ld --emit-relocs -T module_sections.ld)'
        )
    if any(s.name == protocol.MODULE_INFO_SECTION for s in image.sections):
        raise ElfError(f'{module}: already has {protocol.MODULE_INFO_SECTION}; package the unpackaged module link')
    exports = codegen.module_exports(image)
    info = module_info(name, exports, file_sha256(firmware))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='hr-package-', dir=out.parent) as tmp:
        info_file = Path(tmp) / 'info.bin'
        info_file.write_bytes(info)
        staged = Path(tmp) / out.name
        cmd = [objcopy, '--strip-debug']
        for section in _DROPPED_SECTIONS:
            cmd.append(f'--remove-section={section}')
        cmd += [
            f'--add-section={protocol.MODULE_INFO_SECTION}={info_file}',
            f'--set-section-flags={protocol.MODULE_INFO_SECTION}=contents,readonly',
            str(module),
            str(staged),
        ]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as exc:
            raise BuildError(f'cannot run {objcopy} ({exc.strerror}); pass the binutils objcopy of the target') from exc
        if result.returncode != 0:
            raise BuildError(f'{objcopy} failed packaging {module}: {result.stderr.strip()}')
        _check_packaged(staged, info, _reloc_sections(image))
        os.replace(staged, out)
    return exports


def _reloc_sections(image: elf.ElfImage) -> list[str]:
    """Names of the relocation sections of allocated sections (the ones the loader applies)."""
    allocated = {s.name for s in image.sections if s.allocated}
    return sorted(
        s.name
        for s in image.sections
        if s.type in ('SHT_RELA', 'SHT_REL') and s.name.removeprefix('.rela').removeprefix('.rel') in allocated
    )


def _check_packaged(path: Path, info: bytes, relocs: list[str]) -> None:
    """Refuse to publish a module whose info record or relocations did not survive objcopy."""
    packaged = elf.load(path)
    names = {s.name for s in packaged.sections}
    if protocol.MODULE_INFO_SECTION not in names:
        raise BuildError(f'{path}: objcopy dropped {protocol.MODULE_INFO_SECTION}; use GNU objcopy')
    lost = [name for name in relocs if name not in names]
    if lost:
        raise BuildError(f'{path}: objcopy dropped relocation section(s) {", ".join(lost)}; use GNU objcopy')
    with path.open('rb') as stream:
        section = ELFFile(stream).get_section_by_name(protocol.MODULE_INFO_SECTION)
        data = section.data() if section is not None else b''
    if data != info:
        raise BuildError(f'{path}: {protocol.MODULE_INFO_SECTION} does not hold the record written; use GNU objcopy')


# --- authentication key ------------------------------------------------------------


def read_auth_key(key_file: Path) -> bytes:
    """The 32-byte key stored hex-encoded in @p key_file."""
    try:
        text = key_file.read_text().strip()
    except OSError as exc:
        raise BuildError(
            f'{key_file}: cannot read the authentication key ({exc.strerror}); rebuild the project, which makes it'
        ) from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b''
    if len(key) != 32:
        raise BuildError(
            f'{key_file}: is not a hex-encoded 32-byte key; delete it to make a new one '
            '(then rebuild and flash the firmware, which embeds the key)'
        )
    return key


def gen_auth(key_file: Path, c_file: Path) -> bool:
    """Make the key once (kept across rebuilds) and write the C file defining it; True when a key was made."""
    created = not key_file.exists()
    if created:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as stream:
            stream.write(secrets.token_bytes(32).hex() + '\n')
    key = read_auth_key(key_file)
    rows = [', '.join(f'0x{b:02x}' for b in key[i : i + 8]) for i in range(0, len(key), 8)]
    codegen.render_to(c_file, 'auth_key.c.j2', key_rows=rows, key_file=key_file.name)
    return created


# --- manifest ----------------------------------------------------------------------


def write_manifest(description: Path) -> Path:
    """Turn the description CMake generated into <build>/hotreload/manifest.json; returns its path.

    The description has the manifest's fields, except that each component names
    `exports_from` (its first-pass module) instead of `exports`.
    """
    try:
        raw: dict[str, Any] = json.loads(description.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BuildError(f'{description}: unreadable build description ({exc}); re-run the CMake configure') from exc
    try:
        components = [
            ComponentEntry(
                name=c['name'],
                prefix=c['prefix'],
                source_dirs=list(c['source_dirs']),
                module=c['module'],
                module_target=c['module_target'],
                exports=codegen.module_exports(elf.load(Path(c['exports_from']))),
            )
            for c in raw.pop('components')
        ]
        manifest = Manifest(components=components, **raw)
    except (KeyError, TypeError) as exc:
        raise BuildError(f'{description}: missing or unexpected field ({exc}); re-run the CMake configure') from exc
    return save_manifest(manifest, Path(manifest.build_dir))
