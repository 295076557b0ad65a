"""The public API (src/hr_api.c) with the real loader, store and real rv32 modules, natively under ASan/UBSan.

Modules are compiled by the RISC-V cross compiler, linked and packaged as the
build does (tests/loader/loaderlib.py), and loaded by the host-built loader
at made-up ESP32-C3 addresses (tests/runtime/mem_host.c). Executing module
code is the simulated device's job (tests/test_sim_*.py); here the slots, the
status and the hooks show what the runtime did.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import require_toolchain
from loader import loaderlib
from runtime.cbuild import build_program, run

HERE = Path(__file__).resolve().parent
MODULES = HERE / 'runtime' / 'modules'


@dataclass(frozen=True)
class Fixture:
    tool: Path
    firmware_id: str
    modules: dict[str, Path]


def _hotreload(*args: str | Path) -> None:
    subprocess.run([sys.executable, '-m', 'hotreload_py', *map(str, args)], check=True, capture_output=True)


def _module(tmp: Path, key: str, source: str, name: str, firmware: Path) -> Path:
    toolchain = require_toolchain('rv32-gcc')
    objects = loaderlib.compile_objects(toolchain, [MODULES / source], tmp / key, ['-O2'])
    linked = tmp / f'{key}.elf'
    result = loaderlib.link(toolchain, objects, firmware, linked)
    assert result.returncode == 0, result.stderr
    out = tmp / f'{key}_stripped.so'
    loaderlib.package(toolchain, linked, firmware, out, name=name)
    return out


@pytest.fixture(scope='session')
def api(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    tmp = tmp_path_factory.mktemp('api')
    firmware = loaderlib.write_firmware_script(tmp / 'firmware.ld', {})
    other_firmware = loaderlib.write_firmware_script(tmp / 'other_firmware.ld', {'unused_symbol': 0x42000000})
    modules = {
        'v1': _module(tmp, 'v1', 'reloadable_v1.c', 'reloadable', firmware),
        'v2': _module(tmp, 'v2', 'reloadable_v2.c', 'reloadable', firmware),
        'v3': _module(tmp, 'v3', 'reloadable_v3.c', 'reloadable', firmware),
        'other': _module(tmp, 'other', 'other_v1.c', 'other', firmware),
        'foreign': _module(tmp, 'foreign', 'reloadable_v1.c', 'reloadable', other_firmware),
    }
    modules['unknown'] = _module(tmp, 'unknown', 'other_v1.c', 'nosuchcomp', firmware)
    data = modules['v2'].read_bytes()
    (tmp / 'truncated.so').write_bytes(data[: len(data) // 2])
    modules['truncated'] = tmp / 'truncated.so'
    (tmp / 'garbage.so').write_bytes(os.urandom(3000))
    modules['garbage'] = tmp / 'garbage.so'
    _hotreload(
        'gen-stubs',
        modules['v1'],
        '--abi',
        'riscv',
        '--stubs',
        tmp / 'r.S',
        '--table',
        tmp / 'r_table.c',
        '--prefix',
        'reloadable',
        '--name',
        'reloadable',
    )
    _hotreload(
        'gen-stubs',
        modules['other'],
        '--abi',
        'riscv',
        '--stubs',
        tmp / 'o.S',
        '--table',
        tmp / 'o_table.c',
        '--prefix',
        'other',
        '--name',
        'other',
    )
    _hotreload('gen-registry', '--out', tmp / 'registry.c', 'reloadable', 'other')
    tool = build_program(
        'api_tool',
        [
            'src/hr_api.c',
            'src/hr_upload.c',
            'src/hr_multipart.c',
            'src/hr_store.c',
            'src/hr_respond.c',
            'src/hr_load.c',
            'src/hr_link.c',
            'src/arch/hr_reloc_riscv.c',
            'src/chip/esp32c3/hr_chip.c',
            'tests/runtime/mem_host.c',
            str(tmp / 'r_table.c'),
            str(tmp / 'o_table.c'),
            str(tmp / 'registry.c'),
        ],
        tmp,
        extra=['-DHR_ARCH_EM=EM_RISCV'],
    )
    return Fixture(tool, hashlib.sha256(firmware.read_bytes()).hexdigest(), modules)


class Device:
    """One run of api_tool = one boot of a device with a persistent partition file."""

    def __init__(self, fx: Fixture, tmp: Path) -> None:
        self.fx = fx
        self.part = tmp / 'partition.bin'

    def run(self, *steps: str) -> str:
        args: list[str] = []
        for step in steps:
            if step.startswith('@'):
                args.append(str(self.fx.modules[step[1:]]))
            else:
                args.append(step)
        env = dict(os.environ, HR_HOST_FIRMWARE_ID=self.fx.firmware_id)
        out = run(self.fx.tool, self.part, *args, env=env)
        assert 'live blocks 0' in out, out
        return out


@pytest.fixture
def device(api: Fixture, tmp_path: Path) -> Device:
    return Device(api, tmp_path)


def result(out: str, step: str, index: int = 0) -> str:
    return re.findall(rf'^{step} (\S+)$', out, re.M)[index]


def slots(out: str, index: int = 0) -> dict[str, str]:
    line = re.findall(r'^slots (\S+=.*)$', out, re.M)[index]
    return dict(item.split('=') for item in line.split())


def module_status(out: str, name: str, index: int = -1) -> dict[str, str]:
    line = re.findall(rf'^module {name} (.*)$', out, re.M)[index]
    return dict(item.split('=') for item in line.split())


def test_api_load_with_empty_partition_says_not_found(device: Device) -> None:
    out = device.run('load', 'slots', 'status')
    assert result(out, 'load') == 'ESP_ERR_NOT_FOUND'
    assert set(slots(out).values()) == {'trap'}
    assert 'hotreload-flash' in out


def test_api_update_partition_then_boot_loads_it(device: Device, api: Fixture) -> None:
    out = device.run('load', 'update', '@v1', 'update', '@other', 'slots')
    assert result(out, 'update', 0) == 'ESP_OK' and result(out, 'update', 1) == 'ESP_OK'
    assert set(slots(out).values()) == {'trap'}, 'update_partition must not load'
    out = device.run('load', 'slots', 'status')
    assert result(out, 'load') == 'ESP_OK'
    assert 'trap' not in slots(out).values()
    status = module_status(out, 'reloadable')
    v1 = api.modules['v1'].read_bytes()
    assert status['loaded'] == '1' and status['size'] == str(len(v1)) and status['exports'] == '2'
    assert status['sha'] == hashlib.sha256(v1).hexdigest() and status['seq'] == '1'
    assert 'status components=2 loaded=2 exports=4' in out


def test_api_reload_switches_to_newest_and_keeps_other_component(device: Device) -> None:
    device.run('load', 'update', '@v1', 'update', '@other')
    out = device.run('load', 'slots', 'status', 'upload', '@v2', '700', 'reload', 'slots', 'status')
    assert result(out, 'reload') == 'ESP_OK'
    before, after = slots(out, 0), slots(out, 1)
    assert before != after and 'trap' not in after.values()
    assert module_status(out, 'reloadable')['seq'] == '3'
    assert module_status(out, 'other')['seq'] == '2', 'unchanged component must not be reloaded'
    assert 'reloads=2' in out


def test_api_load_from_buffer_and_unload(device: Device, api: Fixture) -> None:
    out = device.run('loadbuf', '@v2', 'slots', 'status', 'unload', 'slots', 'status')
    assert result(out, 'loadbuf') == 'ESP_OK'
    assert 'trap' not in slots(out, 0).values()
    assert module_status(out, 'reloadable', 0)['seq'] == '0'
    assert module_status(out, 'reloadable', 0)['sha'] == hashlib.sha256(api.modules['v2'].read_bytes()).hexdigest()
    assert set(slots(out, 1).values()) == {'trap'}
    assert module_status(out, 'reloadable', 1)['loaded'] == '0'


@pytest.mark.parametrize(
    ('module', 'error'),
    [
        ('v3', 'ESP_ERR_HOTRELOAD_ABI_MISMATCH'),
        ('foreign', 'ESP_ERR_INVALID_VERSION'),
        ('unknown', 'ESP_ERR_NOT_FOUND'),
        ('truncated', 'ESP_ERR_INVALID_SIZE'),
        ('garbage', 'ESP_ERR_NOT_SUPPORTED'),
    ],
)
def test_api_bad_module_keeps_old_code_and_records_error(device: Device, module: str, error: str) -> None:
    out = device.run('loadbuf', '@v1', 'slots', 'loadbuf', f'@{module}', 'slots', 'status')
    assert result(out, 'loadbuf', 1) == error
    assert slots(out, 0) == slots(out, 1)
    assert f'error={error}' in out
    assert re.search(r'^message \S', out, re.M), 'last error needs a message with the fix'


@pytest.mark.parametrize('module', ['v3', 'foreign', 'unknown', 'truncated', 'garbage'])
def test_api_bad_upload_is_not_committed(device: Device, module: str) -> None:
    device.run('load', 'update', '@v1')
    out = device.run('load', 'upload', f'@{module}', '512', 'update', f'@{module}')
    assert result(out, 'upload') != 'ESP_OK' and result(out, 'update') != 'ESP_OK'
    out = device.run('load', 'status')
    assert result(out, 'load') == 'ESP_ERR_NOT_FOUND'  # 'other' has no module; 'reloadable' still v1
    assert module_status(out, 'reloadable')['seq'] == '1'


def test_api_hooks_run_in_order_around_a_reload(device: Device) -> None:
    device.run('load', 'update', '@v1', 'update', '@other')
    out = device.run('load', 'hook', 'A', 'hook', 'B', 'update', '@v2', 'reload')
    lines = [line for line in out.splitlines() if line.startswith(('pre ', 'post '))]
    # The first load also ran them; look at the reload's run.
    assert lines[-4:] == ['pre A', 'pre B', 'post B ESP_OK', 'post A ESP_OK']


def test_api_pre_hook_veto_changes_nothing(device: Device) -> None:
    device.run('load', 'update', '@v1', 'update', '@other')
    out = device.run(
        'load',
        'slots',
        'hook',
        'A',
        'hook',
        'B:veto',
        'hook',
        'C',
        'update',
        '@v2',
        'reload',
        'slots',
        'status',
        'unhook',
        'B',
        'reload',
        'slots',
    )
    assert result(out, 'reload', 0) == 'ESP_ERR_HOTRELOAD_VETOED'
    assert slots(out, 0) == slots(out, 1)
    assert 'pre C' not in out.split('reload ESP_ERR_HOTRELOAD_VETOED')[0]
    vetoed_run = out.split('update ESP_OK')[-1].split('reload ESP_ERR_HOTRELOAD_VETOED')[0]
    assert [line for line in vetoed_run.splitlines() if line.startswith(('pre ', 'post '))] == [
        'pre A',
        'pre B',
        'post A ESP_ERR_HOTRELOAD_VETOED',
    ]
    assert 'error=ESP_ERR_HOTRELOAD_VETOED' in out
    assert result(out, 'reload', 1) == 'ESP_OK'
    assert slots(out, 2) != slots(out, 0)


def test_api_failed_load_runs_no_hooks(device: Device) -> None:
    out = device.run('loadbuf', '@v1', 'hook', 'A', 'loadbuf', '@truncated')
    assert result(out, 'loadbuf', 1) == 'ESP_ERR_INVALID_SIZE'
    between = out.split('hook ESP_OK')[1].split('loadbuf ESP_ERR_INVALID_SIZE')[0]
    assert 'pre A' not in between


def test_api_out_of_memory_keeps_old_code(device: Device, api: Fixture) -> None:
    device.run('load', 'update', '@v1', 'update', '@other')
    env_out = run(
        api.tool,
        device.part,
        'load',
        'slots',
        'update',
        str(api.modules['v2']),
        'reload',
        'slots',
        'status',
        env=dict(os.environ, HR_HOST_FIRMWARE_ID=api.firmware_id, HR_HOST_MEM_FAIL_AT='6'),
    )
    assert result(env_out, 'reload') == 'ESP_ERR_NO_MEM'
    assert slots(env_out, 0) == slots(env_out, 1)
    assert 'live blocks 0' in env_out


def test_api_cooperative_mode_flags_update_for_the_application(device: Device) -> None:
    device.run('load', 'update', '@v1', 'update', '@other')
    out = device.run(
        'load',
        'mode',
        'cooperative',
        'slots',
        'pending',
        'update',
        '@v2',
        'request',
        'pending',
        'slots',
        'reload',
        'pending',
        'slots',
    )
    assert 'reloaded=0 load_us_set=0' in out
    assert re.findall(r'^pending=(\d)$', out, re.M) == ['0', '1', '0']
    assert slots(out, 0) == slots(out, 1) != slots(out, 2)


def test_api_immediate_mode_reloads_at_once(device: Device) -> None:
    device.run('load', 'update', '@v1', 'update', '@other')
    out = device.run('load', 'mode', 'immediate', 'slots', 'hook', 'A', 'update', '@v2', 'request', 'slots', 'pending')
    assert 'reloaded=1 load_us_set=1' in out
    assert slots(out, 0) != slots(out, 1)
    assert 'pre A' in out and 'pending=0' in out


def test_api_spiram_refused_on_chip_without_psram_execution(device: Device) -> None:
    out = device.run('load-spiram', 'status')
    assert result(out, 'load-spiram') == 'ESP_ERR_NOT_SUPPORTED'
    assert 'PSRAM' in out


def test_api_status_json_has_contract_keys(device: Device, api: Fixture) -> None:
    import json

    from hotreload_py import protocol

    device.run('load', 'update', '@v1')
    out = device.run('load', 'json')
    body = json.loads(re.findall(r'^json (.*)$', out, re.M)[0])
    assert body[protocol.RESP_OK] is True
    assert body[protocol.STATUS_FIRMWARE_SHA256] == api.firmware_id
    assert body[protocol.STATUS_AUTH] is True
    assert body['modules'][0]['name'] == 'reloadable' and body['modules'][0]['loaded'] is True
    assert body['modules'][1] == {'name': 'other', 'loaded': False}
    assert body['last_error']['code'] == 'ESP_ERR_NOT_FOUND'
    assert body['free_heap'] == 12345


def _multipart(module: bytes) -> tuple[bytes, str]:
    request = httpx.Request('POST', 'http://device/upload', files={'file': ('reloadable_stripped.so', module)})
    return request.read(), request.headers['content-type']


@pytest.mark.parametrize('form', ['raw', 'multipart'])
@pytest.mark.parametrize('chunk', ['1', '100', '4096'])
def test_upload_body_raw_or_multipart_commits(
    device: Device, api: Fixture, tmp_path: Path, form: str, chunk: str
) -> None:
    module = api.modules['v2'].read_bytes()
    body, content_type = (module, 'application/octet-stream') if form == 'raw' else _multipart(module)
    (tmp_path / 'body').write_bytes(body)
    out = device.run('load', 'body', str(tmp_path / 'body'), content_type, chunk, hashlib.sha256(body).hexdigest())
    assert result(out, 'body') == 'ESP_OK'
    assert re.search(r'^http 200', out, re.M)
    out = device.run('load', 'status')
    status = module_status(out, 'reloadable')
    assert status['sha'] == hashlib.sha256(module).hexdigest() and status['loaded'] == '1'


@pytest.mark.parametrize(
    ('case', 'http', 'error'),
    [
        ('tampered', 401, 'ESP_ERR_INVALID_CRC'),
        ('cut-multipart', 400, 'ESP_ERR_INVALID_SIZE'),
        ('no-file-field', 400, 'ESP_ERR_NOT_FOUND'),
        ('foreign', 409, 'ESP_ERR_INVALID_VERSION'),
        ('abi', 409, 'ESP_ERR_HOTRELOAD_ABI_MISMATCH'),
        ('garbage', 400, 'ESP_ERR_NOT_SUPPORTED'),
        ('empty', 400, 'ESP_ERR_INVALID_SIZE'),
        ('too-big', 413, 'ESP_ERR_INVALID_SIZE'),
    ],
)
def test_upload_body_refused_leaves_committed_module(
    device: Device, api: Fixture, tmp_path: Path, case: str, http: int, error: str
) -> None:
    device.run('load', 'update', '@v1')
    v2 = api.modules['v2'].read_bytes()
    content_type = 'application/octet-stream'
    body = v2
    signed = hashlib.sha256(body).hexdigest()
    if case == 'tampered':
        signed = hashlib.sha256(b'the module the client signed').hexdigest()
    elif case == 'cut-multipart':
        body, content_type = _multipart(v2)
        body = body[: len(body) - 10]
    elif case == 'no-file-field':
        request = httpx.Request('POST', 'http://device/upload', files={'module': ('x.so', v2)})
        body, content_type = request.read(), request.headers['content-type']
    elif case in ('foreign', 'garbage'):
        body = api.modules[case].read_bytes()
    elif case == 'abi':
        body = api.modules['v3'].read_bytes()
    elif case == 'empty':
        body = b''
    elif case == 'too-big':
        body = os.urandom(70 * 1024)
    if case != 'tampered':
        signed = hashlib.sha256(body).hexdigest()
    (tmp_path / 'body').write_bytes(body)
    out = device.run('load', 'body', str(tmp_path / 'body'), content_type, '512', signed, 'status')
    assert result(out, 'body') == error
    line = re.findall(r'^http (\d+) (.*)$', out, re.M)[0]
    assert int(line[0]) == http and len(line[1]) > 20, line
    out = device.run('load', 'status')
    assert module_status(out, 'reloadable')['seq'] == '1'


@pytest.fixture(scope='session', params=['esp32s3', 'esp32s2'])
def api_psram(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, api: Fixture) -> Path:
    """api_tool for a chip that executes from PSRAM (ESP32-S3 at a fixed offset, ESP32-S2 through an MMU
    mapping per block): only initialisation is exercised."""
    chip = request.param
    tmp = tmp_path_factory.mktemp(f'api_{chip}')
    tables = [str(p) for p in sorted(api.tool.parent.glob('*_table.c'))] + [str(api.tool.parent / 'registry.c')]
    sources = [
        'src/hr_api.c',
        'src/hr_upload.c',
        'src/hr_multipart.c',
        'src/hr_store.c',
        'src/hr_respond.c',
        'src/hr_load.c',
        'src/hr_link.c',
        'src/arch/hr_reloc_xtensa.c',
        f'src/chip/{chip}/hr_chip.c',
        'tests/runtime/mem_host.c',
        *tables,
    ]
    return build_program('api_tool', sources, tmp, extra=['-DHR_ARCH_EM=EM_XTENSA'])


def test_api_spiram_accepted_on_chip_that_executes_from_psram(api_psram: Path, api: Fixture, tmp_path: Path) -> None:
    env = dict(os.environ, HR_HOST_FIRMWARE_ID=api.firmware_id)
    out = run(api_psram, tmp_path / 'part.bin', 'load-spiram', 'status', env=env)
    # Initialised for PSRAM; the empty partition is the only thing missing.
    assert result(out, 'load-spiram') == 'ESP_ERR_NOT_FOUND'
    assert 'modules in PSRAM' in out


def test_respond_error_json_escapes_any_message(device: Device) -> None:
    import json

    message = 'send it as curl -F "file=@build\\x.so"\nthen\ttry \x01 again: ü'
    out = device.run('errjson', message)
    line = re.findall(r'^errjson (.*)$', out, re.M | re.S)[0].split('\nsmall ')[0]
    assert json.loads(line) == {'ok': False, 'error': message}
    assert 'small -1' in out, 'a body that does not fit must be reported, not cut'


def test_respond_error_to_http_status(device: Device) -> None:
    out = device.run('statusmap')
    table = {(p, e): (int(s), int(n)) for p, e, s, n in re.findall(r'^map (\S+) (\S+) (\d+) (\d+)$', out, re.M)}
    assert all(status == 401 for (phase, _), (status, _) in table.items() if phase == 'auth')
    expected = {
        ('body', 'ESP_ERR_TIMEOUT'): 408,
        ('body', 'ESP_ERR_INVALID_SIZE'): 400,
        ('body', 'ESP_ERR_INVALID_ARG'): 400,
        ('body', 'ESP_ERR_NOT_FOUND'): 400,
        ('body', 'ESP_ERR_INVALID_CRC'): 401,
        ('store', 'ESP_ERR_INVALID_SIZE'): 413,
        ('store', 'ESP_ERR_INVALID_STATE'): 503,
        ('module', 'ESP_ERR_INVALID_VERSION'): 409,
        ('module', 'ESP_ERR_HOTRELOAD_ABI_MISMATCH'): 409,
        ('module', 'ESP_ERR_NOT_FOUND'): 409,
        ('module', 'ESP_ERR_INVALID_SIZE'): 400,
        ('module', 'ESP_ERR_NOT_SUPPORTED'): 400,
        ('module', 'ESP_ERR_NO_MEM'): 503,
        ('module', 'ESP_ERR_HOTRELOAD_VETOED'): 503,
    }
    assert {key: table[key][0] for key in expected} == expected
    # Every refusal comes with a fix the user can act on.
    assert all(length > 30 for _, length in table.values())
