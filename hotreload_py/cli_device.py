"""CLI commands that talk to a device: reload, watch, status, flash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hotreload_py import flash as flash_mod
from hotreload_py import idf_ext, protocol
from hotreload_py import reload as reload_mod
from hotreload_py import watch as watch_mod
from hotreload_py.client import DeviceClient, read_key
from hotreload_py.errors import HotreloadError
from hotreload_py.manifest import load_manifest, manifest_path

_URL_HELP = (
    "The device's address: host, host:port (port 8080 when omitted) or http://host:port. "
    'Default: the HOTRELOAD_URL environment variable.'
)
_BUILD_DIR_HELP = 'The build directory of the firmware running on the device.'

url_option = click.option('--url', envvar='HOTRELOAD_URL', help=_URL_HELP)
build_dir_option = click.option(
    '--build-dir',
    '-B',
    type=click.Path(file_okay=False, path_type=Path),
    default=Path('build'),
    show_default=True,
    help=_BUILD_DIR_HELP,
)


def _echo_err(line: str) -> None:
    click.echo(line, err=True)


@click.command('reload')
@url_option
@build_dir_option
@click.option('--component', 'components', multiple=True, help='Reload only this component (repeatable).')
@click.option('--no-build', is_flag=True, help='Upload the modules as they are, without building them first.')
@click.option('--force', is_flag=True, help='Upload even the modules the device already runs.')
def reload_cmd(url: str | None, build_dir: Path, components: tuple[str, ...], no_build: bool, force: bool) -> None:
    """Rebuild the reloadable components, upload them to the device and reload them."""
    report = reload_mod.reload(
        build_dir, url or '', components=components, build=not no_build, force=force, echo=_echo_err
    )
    click.echo(f'{report.summary()} ({report.timing_line()})')


@click.command('watch')
@url_option
@build_dir_option
@click.option(
    '--debounce',
    type=float,
    default=watch_mod.DEFAULT_DEBOUNCE,
    show_default=True,
    help='Seconds without further changes before a burst of saves becomes one reload.',
)
def watch_cmd(url: str | None, build_dir: Path, debounce: float) -> None:
    """Reload the reloadable components every time one of their files is saved (Ctrl+C stops)."""
    watch_mod.run_watch(build_dir, url or '', debounce=debounce, echo=click.echo)


@click.command('status')
@url_option
@click.option(
    '--build-dir',
    '-B',
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help='A build directory whose authentication key to use, and whose firmware to compare with the device.',
)
@click.option('--json', 'as_json', is_flag=True, help='Print the device status as JSON.')
def status_cmd(url: str | None, build_dir: Path | None, as_json: bool) -> None:
    """Show what the device runs: firmware identity, loaded modules, reload count, last error."""
    key = None
    firmware = None
    if build_dir is not None:
        manifest = load_manifest(build_dir)
        key = read_key(Path(manifest.auth_key_file)) if manifest.auth_key_file else None
        firmware = reload_mod.file_sha256(Path(manifest.firmware_elf))
    with DeviceClient(url or '', key) as client:
        body = client.status().body
    if as_json:
        click.echo(json.dumps(body, indent=2, sort_keys=True))
    else:
        click.echo(format_status(client.url, body))
    if build_dir is not None:
        same = body.get(protocol.STATUS_FIRMWARE_SHA256) == firmware
        click.echo(f'build {manifest_path(build_dir)}: {"same firmware" if same else "OTHER firmware: flash it"}')


def format_status(url: str, body: dict[str, Any]) -> str:
    """The GET /status answer for people; keys the device does not send are left out."""
    known = {'ok', 'modules', 'last_error'}
    lines = [f'device {url}']
    for key in sorted(set(body) - known):
        lines.append(f'  {key}: {json.dumps(body[key])}')
    error = body.get('last_error')
    if isinstance(error, dict):
        lines.append(f'  last_error: {error.get("code", "?")}: {error.get("message", "")}')
    modules = body.get('modules')
    for module in modules if isinstance(modules, list) else []:
        if not isinstance(module, dict):
            continue
        details = ', '.join(f'{key} {json.dumps(value)}' for key, value in sorted(module.items()) if key != 'name')
        lines.append(f'  module {module.get("name", "?")}: {details}')
    return '\n'.join(lines)


@click.command('flash')
@build_dir_option
@click.option('--port', '-p', envvar='ESPPORT', help='Serial port of the chip. Default: ESPPORT, or esptool detects.')
@click.option('--baud', '-b', type=int, envvar='ESPBAUD', help='Baud rate. Default: ESPBAUD, or esptool default.')
def flash_cmd(build_dir: Path, port: str | None, baud: int | None) -> None:
    """Write the hotreload partition (the current modules) over serial."""
    flash_mod.flash(build_dir, port, baud)


def _size(value: str) -> int:
    """A size as in partitions.csv: 524288, 0x80000, 512k or 1M."""
    text = value.strip().lower()
    scale = {'k': 1024, 'm': 1024 * 1024}.get(text[-1:], 1)
    try:
        return int(text[:-1] if scale != 1 else text, 0) * scale
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a size: write 524288, 0x80000, 512k or 1M") from None


@click.command('partition-image')
@build_dir_option
@click.option('--size', help="Partition size (524288, 0x80000, 512k). Default: from the build's partition table.")
def partition_image_cmd(build_dir: Path, size: str | None) -> None:
    """Write <build>/hotreload/<label>.bin: the hotreload partition holding the build's modules, for flashing."""
    manifest = load_manifest(build_dir)
    length = _size(size) if size else flash_mod.find_partition(build_dir, manifest.partition_label).size
    click.echo(str(flash_mod.partition_image(manifest, length)))


@click.command('idf-actions')
@click.argument('action', default='reload', type=click.Choice(idf_ext.ACTIONS))
def idf_actions_cmd(action: str) -> None:
    """Say how to make `idf.py ACTION` available, and fail: the build's fallback targets run this."""
    raise HotreloadError(idf_ext.enable_instructions(action))


COMMANDS: list[click.Command] = [reload_cmd, watch_cmd, status_cmd, flash_cmd, partition_image_cmd, idf_actions_cmd]
