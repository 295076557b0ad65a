"""The reload flow: rebuild the modules, check the device's firmware, upload, reload.

Only the module targets named in the manifest are built (through the
manifest's build_tool), never the whole project: that is what makes a reload
take about a second. Building a module target relinks the firmware when the
edit needs it (exports changed, firmware code changed); the firmware's hash
before and after the build tells, and the user is told to flash.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotreload_py import protocol
from hotreload_py.client import FLASH_HINT, DeviceClient, FirmwareMismatchError, normalize_url, read_key
from hotreload_py.errors import BuildError, DeviceError
from hotreload_py.manifest import ComponentEntry, Manifest, load_manifest

#: Seconds to wait for the application to load a staged upload at its safe point.
SAFE_POINT_WAIT = 5.0

#: Receives each line of progress or build output meant for the user.
Echo = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """What building the module targets did."""

    milliseconds: float
    firmware_changed: bool
    firmware_sha256: str


@dataclass
class ReloadReport:
    """What one reload did, for the summary line and for scripts."""

    build_ms: float = 0.0
    upload_ms: float = 0.0
    load_ms: float = 0.0
    reloaded: list[str] = field(default_factory=list)
    staged: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def timing_line(self) -> str:
        load = 'load at the safe point' if self.staged else f'load {_ms(self.load_ms)}'
        return f'build {_ms(self.build_ms)}, upload {_ms(self.upload_ms)}, {load}'

    def summary(self) -> str:
        parts = []
        if self.reloaded:
            parts.append(f'reloaded {", ".join(self.reloaded)}')
        if self.staged:
            parts.append(
                f'staged {", ".join(self.staged)} (the application has not reached its safe point yet; '
                'it loads the module there)'
            )
        if self.unchanged:
            parts.append(f'{", ".join(self.unchanged)} unchanged: the device already runs it')
        return '; '.join(parts) or 'nothing to reload'


def _ms(value: float) -> str:
    return f'{value:.1f} ms' if value < 10 else f'{value:.0f} ms'


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (the firmware identity when path is the firmware ELF)."""
    digest = hashlib.sha256()
    with path.open('rb') as stream:
        for block in iter(lambda: stream.read(1 << 16), b''):
            digest.update(block)
    return digest.hexdigest()


def flash_hint(manifest: Manifest) -> str:
    """What to run to put this build's firmware on the device."""
    if manifest.generator == 'esp-idf':
        return FLASH_HINT
    return f'restart the simulated device from this build (hotreload sim run --build-dir {manifest.build_dir})'


def select_components(manifest: Manifest, names: Sequence[str]) -> list[ComponentEntry]:
    """The named components (all of them when names is empty)."""
    if not manifest.components:
        raise BuildError(
            f'the build in {manifest.build_dir} has no reloadable component: mark one with RELOADABLE in its '
            'idf_component_register() or list it in CONFIG_HOTRELOAD_COMPONENTS'
        )
    return [manifest.component(name) for name in names] if names else list(manifest.components)


def build_command(manifest: Manifest, targets: Sequence[str]) -> list[str]:
    """The manifest's build tool asked for just these targets."""
    tool = list(manifest.build_tool)
    if not tool:
        raise BuildError(f'the manifest of {manifest.build_dir} names no build tool: rebuild the project')
    if '--build' in tool:
        return [*tool, '--target', *targets]
    return [*tool, *targets]


def build_modules(manifest: Manifest, components: Sequence[ComponentEntry], echo: Echo) -> BuildResult:
    """Build the components' module targets; BuildError with the compiler's output when that fails."""
    firmware = Path(manifest.firmware_elf)
    before = file_sha256(firmware) if firmware.is_file() else ''
    command = build_command(manifest, [entry.module_target for entry in components])
    start = time.monotonic()
    try:
        result = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False
        )
    except OSError as exc:
        raise BuildError(
            f'cannot run the build tool {command[0]} ({exc.strerror}): is it installed and on PATH?'
        ) from None
    milliseconds = (time.monotonic() - start) * 1000
    if result.returncode != 0:
        for line in result.stdout.decode(errors='replace').splitlines():
            echo(line)
        names = ', '.join(entry.name for entry in components)
        raise BuildError(f'building {names} failed (exit code {result.returncode}): fix the errors shown above')
    if not firmware.is_file():
        raise BuildError(f'the firmware {firmware} does not exist after the build: build the whole project once')
    after = file_sha256(firmware)
    return BuildResult(milliseconds, bool(before) and before != after, after)


def check_firmware(manifest: Manifest, build: BuildResult, device_status: Mapping[str, object], url: str) -> None:
    """Stop before uploading when the device runs other firmware than this build's."""
    device_fw = device_status.get(protocol.STATUS_FIRMWARE_SHA256)
    if not isinstance(device_fw, str):
        raise DeviceError(
            f'{url}{protocol.PATH_STATUS} does not report the firmware identity '
            f"('{protocol.STATUS_FIRMWARE_SHA256}'): flash firmware built with this version of hotreload"
        )
    if device_fw.lower() == build.firmware_sha256:
        return
    if build.firmware_changed:
        raise FirmwareMismatchError(
            'this change rebuilt the firmware, not only the module (exported functions or firmware code changed): '
            f'{flash_hint(manifest)}; reloads work again after that'
        )
    raise FirmwareMismatchError(
        f'the device runs other firmware ({device_fw[:12]}...) than this build ({build.firmware_sha256[:12]}...): '
        f'{flash_hint(manifest)}, or use --build-dir of the build it was flashed from'
    )


def use_auth(client: DeviceClient, device_status: Mapping[str, object], manifest: Manifest) -> None:
    """Sign requests exactly when the device asks for it; stop early when it does and there is no key."""
    required = device_status.get(protocol.STATUS_AUTH)
    if required is False:
        client.key = None
    elif required is True and client.key is None:
        raise DeviceError(
            f'the device at {client.url} requires authentication but the build in {manifest.build_dir} has no key '
            f'({protocol.BUILD_SUBDIR}/{protocol.AUTH_KEY_NAME}): use the build directory its firmware was built in'
        )


def running_modules(device_status: Mapping[str, object]) -> dict[str, str]:
    """Component name -> hex SHA-256 of the module the device has loaded, from a GET /status answer."""
    modules = device_status.get(protocol.STATUS_MODULES)
    running: dict[str, str] = {}
    for module in modules if isinstance(modules, list) else []:
        if not isinstance(module, dict) or module.get(protocol.STATUS_MODULE_LOADED) is not True:
            continue
        name = module.get(protocol.STATUS_MODULE_NAME)
        sha = module.get(protocol.STATUS_MODULE_SHA256)
        if isinstance(name, str) and isinstance(sha, str):
            running[name] = sha.lower()
    return running


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def wait_for_safe_point(client: DeviceClient, reloads_before: int | None, seconds: float) -> float | None:
    """After a staged upload, poll the device until the application has loaded it.

    Returns the load time in ms, or None when the application did not reach its
    safe point within seconds. DeviceError when the application's reload failed.
    """
    deadline = time.monotonic() + seconds
    while True:
        body = client.status().body
        if body.get(protocol.STATUS_UPDATE_PENDING) is False:
            count = _int(body.get(protocol.STATUS_RELOAD_COUNT))
            if reloads_before is not None and count is not None and count <= reloads_before:
                error = body.get(protocol.STATUS_LAST_ERROR)
                said = (error.get('message') or error.get('code')) if isinstance(error, dict) else None
                raise DeviceError(
                    f'the application at {client.url} loaded the upload at its safe point and that failed'
                    f'{f" ({said})" if said else ""}; the previous code keeps running'
                )
            load_us = _int(body.get(protocol.STATUS_LAST_LOAD_US))
            return load_us / 1000 if load_us is not None else 0.0
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def reload(
    build_dir: Path,
    url: str,
    *,
    components: Sequence[str] = (),
    build: bool = True,
    force: bool = False,
    echo: Echo = print,
    timeout: float | None = None,
    safe_point_wait: float = SAFE_POINT_WAIT,
) -> ReloadReport:
    """Rebuild the modules of build_dir, check the device at url runs this firmware, upload and reload.

    A module the device already runs (same SHA-256) is not uploaded again unless force is set.
    In cooperative mode the upload is staged; this waits up to safe_point_wait
    seconds for the application to load it, to report the outcome.
    """
    device_url = normalize_url(url)
    manifest = load_manifest(build_dir)
    entries = select_components(manifest, components)
    report = ReloadReport()
    if build:
        result = build_modules(manifest, entries, echo)
        report.build_ms = result.milliseconds
    else:
        firmware = Path(manifest.firmware_elf)
        if not firmware.is_file():
            raise BuildError(f'the firmware {firmware} does not exist: build the project first')
        result = BuildResult(0.0, False, file_sha256(firmware))
    key = read_key(Path(manifest.auth_key_file)) if manifest.auth_key_file else None
    with DeviceClient(device_url, key, timeout=timeout) as client:
        status = client.status()
        check_firmware(manifest, result, status.body, client.url)
        use_auth(client, status.body, manifest)
        running = running_modules(status.body)
        reloads_before = _int(status.body.get(protocol.STATUS_RELOAD_COUNT))
        for entry in entries:
            module_path = Path(entry.module)
            try:
                module = module_path.read_bytes()
            except OSError as exc:
                raise BuildError(f'cannot read the module {module_path} ({exc.strerror}): build the project') from None
            if not force and running.get(entry.name) == hashlib.sha256(module).hexdigest():
                report.unchanged.append(entry.name)
                continue
            reply = client.upload_and_reload(module)
            load_us = reply.body.get(protocol.RESP_LOAD_US)
            load_ms = load_us / 1000 if isinstance(load_us, (int, float)) else 0.0
            report.load_ms += load_ms
            report.upload_ms += max(reply.seconds * 1000 - load_ms, 0.0)
            if reply.body.get(protocol.RESP_RELOADED, True) is False:
                report.staged.append(entry.name)
            else:
                report.reloaded.append(entry.name)
        if report.staged and safe_point_wait > 0:
            safe_point_ms = wait_for_safe_point(client, reloads_before, safe_point_wait)
            if safe_point_ms is not None:
                report.load_ms = safe_point_ms
                report.reloaded += report.staged
                report.staged = []
    return report
