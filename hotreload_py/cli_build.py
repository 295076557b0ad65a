"""CLI commands the build pipeline runs: package-module, gen-auth, write-manifest.

Internal steps of cmake/hotreload.cmake; each wraps one function of build.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from hotreload_py import build

_IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command('package-module')
@click.argument('module', type=_IN_FILE)
@click.option('--firmware', required=True, type=_IN_FILE, help='The firmware ELF the module was linked against.')
@click.option('--name', required=True, help='Component name recorded in the module (as in its table).')
@click.option('--objcopy', default='objcopy', show_default=True, help='GNU objcopy of the target toolchain.')
@click.option('--out', required=True, type=_OUT_FILE, help='Where to write the stripped module.')
def package_module_cmd(module: Path, firmware: Path, name: str, objcopy: str, out: Path) -> None:
    """Strip MODULE to what the loader reads and stamp it with its name, exports and firmware identity."""
    build.package_module(module, firmware, name, objcopy, out)


@click.command('gen-auth')
@click.option('--key-file', required=True, type=_OUT_FILE, help='Hex key file; made once, then reused.')
@click.option('--c-file', required=True, type=_OUT_FILE, help='C file defining hotreload_auth_key for the firmware.')
def gen_auth_cmd(key_file: Path, c_file: Path) -> None:
    """Make the build's 32-byte authentication key (once) and the C file that compiles it in."""
    if build.gen_auth(key_file, c_file):
        click.echo(f'hotreload: new authentication key in {key_file}; flash the firmware to use it', err=True)


@click.command('write-manifest')
@click.argument('description', type=_IN_FILE)
def write_manifest_cmd(description: Path) -> None:
    """Write <build>/hotreload/manifest.json from the description the CMake configure generated."""
    build.write_manifest(description)


COMMANDS: list[click.Command] = [package_module_cmd, gen_auth_cmd, write_manifest_cmd]
