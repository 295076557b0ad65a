"""Reload flow: what it builds, how it reports a failed build or a changed firmware, and the checks before upload."""

from __future__ import annotations

import dataclasses
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from devtools_project import SimDevice, free_port, make_project, wait_for, wait_until_serving
from runtime.cbuild import build_program, run

from hotreload_py import flash, protocol
from hotreload_py import reload as flow
from hotreload_py.client import DeviceClient, DeviceUnreachableError, FirmwareMismatchError
from hotreload_py.errors import BuildError, DeviceError, HotreloadError
from hotreload_py.manifest import load_manifest, save_manifest


@pytest.fixture()
def build_dir(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def _component_source(build_dir: Path) -> Path:
    return Path(load_manifest(build_dir).components[0].source_dirs[0]) / 'reloadable.c'


def test_build_command_asks_only_for_the_module_targets(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    assert flow.build_command(manifest, ['a_module', 'b_module']) == [
        'cmake',
        '--build',
        str(build_dir),
        '--target',
        'a_module',
        'b_module',
    ]


def test_build_command_ninja_style_tool_gets_targets_appended(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    ninja = type(manifest)(**{**manifest.__dict__, 'build_tool': ['ninja', '-C', '/b']})
    assert flow.build_command(ninja, ['m']) == ['ninja', '-C', '/b', 'm']


def test_build_modules_builds_module_and_what_it_needs(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    result = flow.build_modules(manifest, manifest.components, lambda line: None)
    assert Path(manifest.components[0].module).is_file()
    assert not (build_dir / 'unrelated').exists()  # not a full build
    assert result.firmware_sha256 == flow.file_sha256(Path(manifest.firmware_elf))
    assert not result.firmware_changed  # no firmware existed before: nothing was flashed from it
    again = flow.build_modules(manifest, manifest.components, lambda line: None)
    assert not again.firmware_changed
    assert again.firmware_sha256 == result.firmware_sha256


def test_build_modules_compile_error_shows_compiler_output(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    source = _component_source(build_dir)
    source.write_text(source.read_text().replace('return a + b;', 'return a + ;'))
    lines: list[str] = []
    with pytest.raises(BuildError) as info:
        flow.build_modules(manifest, manifest.components, lines.append)
    assert 'building reloadable failed' in str(info.value)
    assert 'fix the errors shown above' in str(info.value)
    output = '\n'.join(lines)
    assert 'reloadable.c' in output
    assert 'error' in output


def test_build_modules_reports_firmware_change(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    flow.build_modules(manifest, manifest.components, lambda line: None)
    main = Path(manifest.project_dir) / 'main.c'
    main.write_text(main.read_text().replace('== 5 ? 0 : 1', '== 5 ? 0 : 2'))
    result = flow.build_modules(manifest, manifest.components, lambda line: None)
    assert result.firmware_changed


def test_build_modules_missing_build_tool_says_so(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    broken = type(manifest)(**{**manifest.__dict__, 'build_tool': ['no-such-build-tool-xyz', '--build', 'x']})
    with pytest.raises(BuildError, match='cannot run the build tool no-such-build-tool-xyz'):
        flow.build_modules(broken, broken.components, lambda line: None)


def test_select_components_unknown_name_lists_known(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    assert [entry.name for entry in flow.select_components(manifest, [])] == ['reloadable']
    with pytest.raises(BuildError, match=r"no reloadable component 'other'.*reloadable"):
        flow.select_components(manifest, ['other'])


def test_check_firmware_mismatch_after_firmware_change_says_flash(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    changed = flow.BuildResult(1.0, True, 'b' * 64)
    with pytest.raises(FirmwareMismatchError, match='rebuilt the firmware.*hotreload sim run'):
        flow.check_firmware(manifest, changed, {protocol.STATUS_FIRMWARE_SHA256: 'a' * 64}, 'http://d:8080')
    esp_idf = type(manifest)(**{**manifest.__dict__, 'generator': 'esp-idf'})
    same_build = flow.BuildResult(1.0, False, 'b' * 64)
    with pytest.raises(FirmwareMismatchError, match=r'other firmware \(aaaaaaaaaaaa.*idf\.py flash'):
        flow.check_firmware(esp_idf, same_build, {protocol.STATUS_FIRMWARE_SHA256: 'a' * 64}, 'http://d:8080')
    flow.check_firmware(esp_idf, same_build, {protocol.STATUS_FIRMWARE_SHA256: 'B' * 64}, 'http://d:8080')


def test_check_firmware_status_without_identity_is_an_error(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    with pytest.raises(Exception, match='does not report the firmware identity'):
        flow.check_firmware(manifest, flow.BuildResult(1.0, False, 'b' * 64), {}, 'http://d:8080')


def test_use_auth_follows_the_device(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    with DeviceClient('device', b'k' * 32) as client:
        flow.use_auth(client, {protocol.STATUS_AUTH: True}, manifest)
        assert client.key == b'k' * 32
        flow.use_auth(client, {protocol.STATUS_AUTH: False}, manifest)
        assert client.key is None
        with pytest.raises(DeviceError, match='requires authentication but the build in .* has no key'):
            flow.use_auth(client, {protocol.STATUS_AUTH: True}, manifest)


def test_running_modules_reads_loaded_modules_only() -> None:
    status = {
        protocol.STATUS_MODULES: [
            {'name': 'reloadable', 'loaded': True, 'sha256': 'AB' * 32, 'size': 10},
            {'name': 'other', 'loaded': False},
            'garbage',
        ]
    }
    assert flow.running_modules(status) == {'reloadable': 'ab' * 32}
    assert flow.running_modules({}) == {}
    assert flow.running_modules({protocol.STATUS_MODULES: 'nonsense'}) == {}


def test_reload_builds_then_reports_unreachable_device(build_dir: Path) -> None:
    port = free_port()
    with pytest.raises(DeviceUnreachableError, match=f'cannot reach the device at http://127.0.0.1:{port}'):
        flow.reload(build_dir, f'127.0.0.1:{port}', echo=lambda line: None)
    assert Path(load_manifest(build_dir).components[0].module).is_file()


def test_reload_without_manifest_says_build_first(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match='build the project first'):
        flow.reload(tmp_path, '127.0.0.1:1')


def test_cli_reload_exit_code_and_one_line_reason(build_dir: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'reload', '--build-dir', str(build_dir)],
        env={**os.environ, 'HOTRELOAD_URL': f'127.0.0.1:{port}'},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith('error: cannot reach the device')
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_reload_without_url_names_the_variable(build_dir: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != 'HOTRELOAD_URL'}
    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'reload', '--no-build', '--build-dir', str(build_dir)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert 'HOTRELOAD_URL' in result.stderr


# --- Against the simulated device (the real runtime under qemu-riscv32) -------------------------------


@pytest.mark.qemu_user
def test_reload_device_edit_changes_output(
    sim_device: SimDevice, sim_build_dir: tuple[Path, Path], edited_source: Path
) -> None:
    _, build = sim_build_dir
    edited_source.write_text(edited_source.read_text().replace('Hello, %s!', 'Salut, %s!'))
    mark = sim_device.mark()
    report = flow.reload(build, sim_device.url, echo=lambda line: None)
    assert report.reloaded == ['reloadable'] or report.staged == ['reloadable']
    assert report.build_ms > 0 and report.upload_ms > 0
    wait_for(lambda: any('Salut, World!' in line for line in sim_device.since(mark)), 'the new greeting')


@pytest.mark.qemu_user
def test_reload_device_cli_prints_result_and_timing(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'hotreload_py',
            'reload',
            '--force',
            '--url',
            sim_device.url,
            '-B',
            str(sim_build_dir[1]),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r'reloaded reloadable.*\(build [\d.]+ ms, upload [\d.]+ ms, load [\d.]+ ms\)', result.stdout)


@pytest.mark.qemu_user
def test_reload_device_skips_module_it_already_runs(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    build = sim_build_dir[1]
    flow.reload(build, sim_device.url, force=True, echo=lambda line: None)
    again = flow.reload(build, sim_device.url, echo=lambda line: None)
    assert again.unchanged == ['reloadable']
    assert again.reloaded == [] and again.staged == []
    assert 'reloadable unchanged: the device already runs it' in again.summary()


@pytest.mark.qemu_user
def test_reload_device_immediate_mode_reports_device_load_time(
    sim_build_dir: tuple[Path, Path], edited_source: Path
) -> None:
    device = SimDevice(sim_build_dir[1], free_port(), mode='immediate')
    try:
        wait_until_serving(device)
        edited_source.write_text(edited_source.read_text().replace('Hello, %s!', 'Now, %s!'))
        mark = device.mark()
        report = flow.reload(sim_build_dir[1], device.url, echo=lambda line: None, safe_point_wait=0)
        assert report.reloaded == ['reloadable']  # loaded by the server before it answered
        assert report.load_ms > 0
        wait_for(lambda: any('Now, World!' in line for line in device.since(mark)), 'the new greeting')
    finally:
        device.stop()


@pytest.mark.qemu_user
def test_cli_status_compares_device_with_build(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'status', '--url', sim_device.url, '-B', str(sim_build_dir[1])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f'device http://{sim_device.url}' in result.stdout
    assert 'firmware_sha256: "' in result.stdout
    assert 'module reloadable:' in result.stdout
    assert result.stdout.rstrip().endswith('same firmware')


@pytest.mark.qemu_user
def test_reload_device_other_firmware_stops_before_upload(
    sim_device: SimDevice, sim_build_dir: tuple[Path, Path], tmp_path: Path
) -> None:
    manifest = load_manifest(sim_build_dir[1])
    other_firmware = tmp_path / 'firmware'
    other_firmware.write_bytes(Path(manifest.firmware_elf).read_bytes() + b'other build')
    other = dataclasses.replace(manifest, build_dir=str(tmp_path), firmware_elf=str(other_firmware))
    save_manifest(other, tmp_path)
    with DeviceClient(sim_device.url) as client:
        before = client.status().body
    with pytest.raises(FirmwareMismatchError, match=r'the device runs other firmware .* than this build'):
        flow.reload(tmp_path, sim_device.url, build=False, force=True)
    with DeviceClient(sim_device.url) as client:
        after = client.status().body
    assert after[protocol.STATUS_MODULES] == before[protocol.STATUS_MODULES]
    assert after[protocol.STATUS_UPDATE_PENDING] is False


@pytest.mark.qemu_user
def test_reload_device_gone_is_unreachable(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    sim_device.stop()
    with pytest.raises(DeviceUnreachableError, match='cannot reach the device'):
        flow.reload(sim_build_dir[1], sim_device.url, build=False)


# --- The partition image for serial flashing, checked with the device's own store code ------------------


@pytest.fixture(scope='module')
def store_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_program('store_tool', ['src/hr_store.c'], tmp_path_factory.mktemp('store_tool'))


def _store_listing(tool: Path, part: Path, size: int, firmware: bytes) -> dict[str, tuple[int, int, bool]]:
    rows = {}
    for line in run(tool, part, str(size), '--fw', firmware.hex(), 'list').splitlines():
        if line[:1].isdigit():
            seq, name, length, _offset, live, _sha = line.split()
            rows[name] = (int(seq), int(length), live == '1')
    return rows


def test_store_image_is_read_back_by_the_c_store(store_tool: Path, tmp_path: Path) -> None:
    modules = [('reloadable', os.urandom(5000)), ('my_other_module', os.urandom(4096 - 256))]
    firmware = os.urandom(32)
    size = 8 * protocol.STORE_SECTOR_SIZE
    part = tmp_path / 'part.bin'
    part.write_bytes(flash.store_image(modules, firmware, size))
    assert _store_listing(store_tool, part, size, firmware) == {
        'reloadable': (1, 5000, True),
        'my_other_module': (2, 4096 - 256, True),
    }
    for name, module in modules:
        run(store_tool, part, str(size), '--fw', firmware.hex(), 'read', name, tmp_path / 'out.bin')
        assert (tmp_path / 'out.bin').read_bytes() == module
    # Another firmware does not load them, and the device can upload over the image.
    assert not any(live for _, _, live in _store_listing(store_tool, part, size, os.urandom(32)).values())
    newer = tmp_path / 'newer.bin'
    newer.write_bytes(os.urandom(3000))
    run(store_tool, part, str(size), '--fw', firmware.hex(), 'write', 'reloadable', newer)
    assert _store_listing(store_tool, part, size, firmware)['my_other_module'][2]
    run(store_tool, part, str(size), '--fw', firmware.hex(), 'read', 'reloadable', tmp_path / 'out.bin')
    assert (tmp_path / 'out.bin').read_bytes() == newer.read_bytes()


def test_store_image_too_large_or_bad_name_says_what_to_do() -> None:
    with pytest.raises(BuildError, match='do not fit the 8192-byte hotreload partition.*partitions.csv'):
        flash.store_image([('reloadable', b'x' * 8000)], b'\0' * 32, 8192)
    with pytest.raises(BuildError, match='must be 1 to 31 bytes'):
        flash.store_image([('n' * 32, b'x')], b'\0' * 32, 8192)


def test_cli_partition_image_for_a_build(store_tool: Path, build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    flow.build_modules(manifest, manifest.components, lambda line: None)
    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'partition-image', '--build-dir', str(build_dir), '--size', '64k'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    image = Path(result.stdout.strip())
    assert image == build_dir / 'hotreload' / 'hotreload.bin'
    assert image.stat().st_size == 64 * 1024
    firmware = bytes.fromhex(flow.file_sha256(Path(manifest.firmware_elf)))
    module_size = Path(manifest.components[0].module).stat().st_size
    assert _store_listing(store_tool, image, 64 * 1024, firmware) == {'reloadable': (1, module_size, True)}


def _partition_entry(label: str, ptype: int, subtype: int, offset: int, size: int) -> bytes:
    # ESP-IDF's binary partition table entry (components/partition_table/gen_esp32part.py).
    return struct.pack('<2sBBII16sI', b'\xaa\x50', ptype, subtype, offset, size, label.encode(), 0)


def test_find_partition_reads_the_binary_partition_table(tmp_path: Path) -> None:
    table = (
        _partition_entry('nvs', 1, 2, 0x9000, 0x6000)
        + _partition_entry('factory', 0, 0, 0x10000, 0x100000)
        + _partition_entry('hotreload', 0, 0x40, 0x110000, 0x80000)
        + b'\xeb\xeb'
        + b'\xff' * 14
        + bytes(16)
    )
    (tmp_path / 'partition_table').mkdir()
    (tmp_path / 'partition_table' / 'partition-table.bin').write_bytes(table + b'\xff' * (0xC00 - len(table)))
    found = flash.find_partition(tmp_path, 'hotreload')
    assert (found.offset, found.size, found.subtype) == (0x110000, 0x80000, 0x40)
    with pytest.raises(BuildError, match=r"no partition 'other' \(it has: nvs, factory, hotreload\).*partitions.csv"):
        flash.find_partition(tmp_path, 'other')
    with pytest.raises(BuildError, match='does not exist: build the project'):
        flash.find_partition(tmp_path / 'nowhere', 'hotreload')


def test_has_build_target_asks_ninja(build_dir: Path) -> None:
    manifest = load_manifest(build_dir)
    assert flash.has_build_target(manifest, 'reloadable_module')
    assert not flash.has_build_target(manifest, flash.FLASH_TARGET)


def test_flash_refuses_a_build_without_serial_flash(build_dir: Path) -> None:
    with pytest.raises(HotreloadError, match='standalone build for host, which has no serial flash'):
        flash.flash(build_dir)
