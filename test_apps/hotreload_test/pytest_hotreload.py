"""Runs the hotreload test app on a board or on Espressif's QEMU (pytest-embedded-idf).

Three tests:

- ``test_hotreload_unit_tests_hardware``: every ``[hotreload]`` Unity case on a
  board, each from a fresh boot::

      cd test_apps/hotreload_test
      idf.py --preset esp32s3-hardware build flash hotreload-flash
      pytest pytest_hotreload.py -k hardware --embedded-services esp,idf \\
          --target esp32s3 --port /dev/ttyUSB0 --build-dir build/esp32s3-hardware

- ``test_hotreload_unit_tests_qemu``: the same cases on Espressif's QEMU for
  each target that has a ``<target>-qemu`` preset built::

      idf.py --preset esp32c3-qemu build
      pytest pytest_hotreload.py -m qemu_system --embedded-services idf,qemu

- ``test_hotreload_reload_over_qemu_network``: end to end. Copies the app to a
  temporary directory, builds it, boots it in QEMU with a user-mode network
  whose port forward reaches the device's server, edits the module, runs
  ``idf.py reload --url http://127.0.0.1:PORT`` and waits for the device to
  print the new text.

Without ESP-IDF, QEMU, a board or the pytest-embedded service packages each
test is skipped with the reason; collection never needs any of them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parent
REPO_ROOT = APP_DIR.parents[1]

HARDWARE_TARGETS = ('esp32s3', 'esp32s2', 'esp32c3')
QEMU_TARGETS = ('esp32c3', 'esp32s3')
QEMU_SYSTEM = {'esp32c3': 'qemu-system-riscv32', 'esp32s3': 'qemu-system-xtensa'}

UNIT_GROUP = 'hotreload'
NETWORK_CASE = 'serve reloads over the network'
#: Number of TEST_CASEs tagged [hotreload] in main/ (a run that sees fewer lost some).
UNIT_CASE_COUNT = 16
DEVICE_PORT = 8080

BOOT_TIMEOUT_S = 60
CASE_TIMEOUT_S = 120
BUILD_TIMEOUT_S = 1800


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


#: Host side of QEMU's port forward to the device's server (chosen at import
#: because pytest parameters are fixed at collection).
HOST_PORT = _free_port()


def _idf_path() -> Path | None:
    value = os.environ.get('IDF_PATH')
    if value and Path(value, 'tools', 'idf.py').is_file():
        return Path(value)
    return None


def _skip_unless_idf() -> Path:
    idf = _idf_path()
    if idf is None:
        pytest.skip('needs ESP-IDF: IDF_PATH is not set to an ESP-IDF checkout (. $IDF_PATH/export.sh)')
    return idf


def _skip_unless_package(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f'needs {package}: pip install {package}')


def _skip_unless_qemu(target: str) -> None:
    _skip_unless_package('pytest_embedded_qemu', 'pytest-embedded-qemu')
    program = QEMU_SYSTEM[target]
    if shutil.which(program) is None:
        pytest.skip(
            f"needs Espressif's QEMU ({program}): python $IDF_PATH/tools/idf_tools.py install qemu-riscv32 qemu-xtensa"
        )


def _option(config: pytest.Config, name: str) -> str | None:
    try:
        value = config.getoption(name)
    except ValueError:
        return None
    return str(value) if value else None


def _count_unit_cases() -> int:
    pattern = re.compile(r'^TEST_CASE\("[^"]+",\s*"[^"]*\[' + UNIT_GROUP + r'\]', re.MULTILINE)
    return sum(len(pattern.findall(path.read_text())) for path in (APP_DIR / 'main').glob('*.c'))


@pytest.fixture(autouse=True)
def hotreload_requirements(request: pytest.FixtureRequest) -> None:
    """Skips, before pytest-embedded opens a port or starts QEMU, when something the test needs is missing.

    Autouse, so that pytest sets it up ahead of the parametrized pytest-embedded fixtures.
    """
    if not request.node.get_closest_marker('idf'):
        return
    _skip_unless_idf()
    params = getattr(request.node, 'callspec', None)
    target = params.params.get('target') if params else _option(request.config, 'target')
    if request.node.get_closest_marker('hardware'):
        services = _option(request.config, 'embedded_services') or ''
        if 'esp' not in services.split(','):
            pytest.skip('needs a board: run with --embedded-services esp,idf --target TARGET --port PORT')
        _skip_unless_package('pytest_embedded_serial_esp', 'pytest-embedded-serial-esp')
        if target not in HARDWARE_TARGETS:
            pytest.skip(f'--target must be one of {", ".join(HARDWARE_TARGETS)}, not {target!r}')
        build = Path(_option(request.config, 'build_dir') or f'build/{target}-hardware')
        build = build if build.is_absolute() else APP_DIR / build
        if not (build / 'flash_args').is_file():
            pytest.skip(f'{build} is not built: idf.py --preset {target}-hardware build')
    if request.node.get_closest_marker('qemu_system'):
        services = _option(request.config, 'embedded_services') or ''
        if 'qemu' not in services.split(','):
            pytest.skip("needs Espressif's QEMU: run with --embedded-services idf,qemu")
        assert target in QEMU_TARGETS
        _skip_unless_qemu(target)
        if (
            'e2e_project' not in request.fixturenames
            and not (APP_DIR / 'build' / f'{target}-qemu' / 'flash_args').is_file()
        ):
            pytest.skip(f'build/{target}-qemu is not built: idf.py --preset {target}-qemu build')


@pytest.fixture
def e2e_project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A built copy of this app that the end-to-end test may edit (the checked-in sources stay untouched)."""
    target = request.node.callspec.params['target']
    project = tmp_path_factory.mktemp(f'hotreload_test_{target}') / 'hotreload_test'
    shutil.copytree(APP_DIR, project, ignore=shutil.ignore_patterns('build', 'managed_components', 'dependencies.lock'))
    _rewrite_override_path(project / 'main' / 'idf_component.yml')
    _idf_py(project, '--preset', f'{target}-qemu', 'build')
    yield project


def _rewrite_override_path(manifest: Path) -> None:
    """Point the copy's dependency at this checkout instead of three levels up from the temporary directory.

    Through a link named `hotreload`: ESP-IDF names a component after its
    directory, and the checkout's own directory may be called anything.
    """
    link = manifest.parents[2] / 'hotreload'
    link.symlink_to(REPO_ROOT, target_is_directory=True)
    text = manifest.read_text()
    manifest.write_text(text.replace('override_path: "../../.."', f'override_path: "{link}"'))


def _idf_py(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    idf = _skip_unless_idf()
    env = dict(os.environ, IDF_EXTENSION_ALLOW_UNTRUSTED='1')
    result = subprocess.run(
        [sys.executable, str(idf / 'tools' / 'idf.py'), '-C', str(project), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f'idf.py {" ".join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}'
        )
    return result


def _partition_offset(build: Path, label: str) -> int:
    """Offset of partition @p label in the build's binary partition table (32-byte entries, magic AA 50)."""
    table = (build / 'partition_table' / 'partition-table.bin').read_bytes()
    for start in range(0, len(table) - 31, 32):
        magic, _, _, offset, _, name, _ = struct.unpack_from('<2sBBII16sI', table, start)
        if magic != b'\xaa\x50':
            break
        if name.rstrip(b'\0').decode() == label:
            return int(offset)
    raise AssertionError(f'{build}: the partition table has no {label!r} partition')


def make_qemu_flash_image(build: Path, image: Path) -> None:
    """One flash image for QEMU: what `idf.py flash` writes plus what `idf.py hotreload-flash` writes.

    pytest-embedded-qemu's own image holds only the project's flash files, and
    the module partition is not one of them, so every case would start with no
    module. This is esptool's merge-bin in a few lines: the files at their offsets
    on erased (0xFF) flash of the configured size.
    """
    flasher = json.loads((build / 'flasher_args.json').read_text())
    manifest = json.loads((build / 'hotreload' / 'manifest.json').read_text())
    label = manifest['partition_label']
    files = {int(offset, 0): build / path for offset, path in flasher['flash_files'].items()}
    files[_partition_offset(build, label)] = build / 'hotreload' / f'{label}.bin'
    size_text = flasher['flash_settings']['flash_size']
    size = int(size_text.removesuffix('MB')) * 1024 * 1024 if size_text.endswith('MB') else 4 * 1024 * 1024
    flash = bytearray(b'\xff' * size)
    for offset, path in sorted(files.items()):
        data = path.read_bytes()
        assert offset + len(data) <= size, f'{path} does not fit the {size_text} flash at {offset:#x}'
        flash[offset : offset + len(data)] = data
    image.write_bytes(bytes(flash))


@pytest.fixture
def qemu_image_path(request: pytest.FixtureRequest, app_path: str, build_dir: str) -> str | None:
    """For QEMU runs, the image with the module partition written (see make_qemu_flash_image)."""
    if not request.node.get_closest_marker('qemu_system') or _idf_path() is None:
        return None
    if 'qemu' not in (_option(request.config, 'embedded_services') or '').split(','):
        return None
    build = Path(app_path) / build_dir
    if not (build / 'flasher_args.json').is_file():
        return None
    image = build / 'hotreload_qemu_flash.bin'
    make_qemu_flash_image(build, image)
    return str(image)


@pytest.fixture
def app_path(request: pytest.FixtureRequest) -> str:
    """The project pytest-embedded runs: this app, or the end-to-end test's built copy."""
    if 'e2e_project' in request.fixturenames:
        return str(request.getfixturevalue('e2e_project'))
    return str(APP_DIR)


def _check_unity_results(dut: object) -> None:
    testsuite = dut.testsuite  # type: ignore[attr-defined]
    failed = [case.name for case in testsuite.failed_cases]
    assert not failed, f'Unity cases failed on the device: {failed}'
    ran = len(testsuite.testcases)
    assert ran >= UNIT_CASE_COUNT, f'only {ran} of {UNIT_CASE_COUNT} [hotreload] cases ran'


def test_unit_case_count_matches_sources() -> None:
    """UNIT_CASE_COUNT follows main/*.c, so a device run that silently loses cases is caught."""
    assert _count_unit_cases() == UNIT_CASE_COUNT


@pytest.mark.hardware
@pytest.mark.idf
def test_hotreload_unit_tests_hardware(dut: object) -> None:
    dut.run_all_single_board_cases(group=UNIT_GROUP, reset=True, timeout=CASE_TIMEOUT_S)  # type: ignore[attr-defined]
    _check_unity_results(dut)


@pytest.mark.qemu_system
@pytest.mark.idf
@pytest.mark.parametrize(
    'target, build_dir, skip_regenerate_image',
    [(target, f'build/{target}-qemu', True) for target in QEMU_TARGETS],
    ids=list(QEMU_TARGETS),
    indirect=True,
)
def test_hotreload_unit_tests_qemu(dut: object) -> None:
    dut.run_all_single_board_cases(group=UNIT_GROUP, reset=True, timeout=CASE_TIMEOUT_S)  # type: ignore[attr-defined]
    _check_unity_results(dut)


@pytest.mark.qemu_system
@pytest.mark.idf
@pytest.mark.slow
@pytest.mark.parametrize(
    'target, build_dir, skip_regenerate_image, qemu_extra_args',
    [
        (
            target,
            f'build/{target}-qemu',
            True,
            f'-nic user,model=open_eth,hostfwd=tcp:127.0.0.1:{HOST_PORT}-:{DEVICE_PORT}',
        )
        for target in QEMU_TARGETS
    ],
    ids=list(QEMU_TARGETS),
    indirect=True,
)
def test_hotreload_reload_over_qemu_network(e2e_project: Path, dut: object, target: str) -> None:
    dut.expect_exact('Press ENTER to see the list of tests', timeout=BOOT_TIMEOUT_S)  # type: ignore[attr-defined]
    dut.write(f'"{NETWORK_CASE}"')  # type: ignore[attr-defined]
    dut.expect(rf'Hot reload server running on port {DEVICE_PORT}', timeout=CASE_TIMEOUT_S)  # type: ignore[attr-defined]
    dut.expect_exact('module says: test_module v1', timeout=CASE_TIMEOUT_S)  # type: ignore[attr-defined]

    source = e2e_project / 'components' / 'test_module' / 'test_module.c'
    source.write_text(source.read_text().replace('"test_module v1"', '"test_module v2"'))
    # The preset, not -B: idf.py passes a preset to CMake even when none is named (the file's first).
    _idf_py(
        e2e_project,
        '--preset',
        f'{target}-qemu',
        'reload',
        '--url',
        f'http://127.0.0.1:{HOST_PORT}',
    )

    dut.expect_exact('reload: ESP_OK', timeout=CASE_TIMEOUT_S)  # type: ignore[attr-defined]
    dut.expect_exact('module says: test_module v2', timeout=CASE_TIMEOUT_S)  # type: ignore[attr-defined]
