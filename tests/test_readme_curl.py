"""The README's curl upload, run as written against the simulated device.

The README shows `curl -X POST -F "file=@build/reloadable_stripped.so" http://.../upload-and-reload`
for a device built without request signing. This test takes that command from
README.md, changes only the address to the simulated device's, runs it from a
project directory whose build/ holds the module, and checks the device runs it.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain

from hotreload_py import protocol, sim

pytestmark = pytest.mark.qemu_user

CURL_LINE = re.compile(r'^curl .*-F "file=@build/\S+' + re.escape(protocol.MODULE_SUFFIX) + r'".*$', re.MULTILINE)


def readme_curl_command() -> list[str]:
    """The README's curl command line, split as a shell would."""
    text = (REPO_ROOT / 'README.md').read_text().replace('\\\n', ' ')
    match = CURL_LINE.search(text)
    assert match, 'README.md shows no `curl ... -F "file=@build/<component>_stripped.so" ...` upload'
    return shlex.split(match.group(0))


def test_readme_curl_upload_runs_on_a_device_without_auth(tmp_path: Path) -> None:
    require_executable('curl')
    require_toolchain(sim.SIM_ARCHES['riscv32'].toolchain)
    require_executable('cmake')
    require_executable('ninja')
    command = readme_curl_command()
    urls = [word for word in command if word.startswith('http://')]
    assert len(urls) == 1 and urls[0].endswith(protocol.PATH_UPLOAD_AND_RELOAD), command

    component = tmp_path / 'reloadable'
    shutil.copytree(REPO_ROOT / 'sim' / 'components' / 'reloadable', component)
    manifest = sim.build('riscv32', tmp_path / 'sim-build', [component], auth=False)
    assert manifest.auth_key_file is None
    project = tmp_path / 'project'
    (project / 'build').mkdir(parents=True)
    module = Path(manifest.components[0].module)
    shutil.copy(module, project / 'build' / module.name)

    device = sim.SimDevice(tmp_path / 'sim-build', partition=tmp_path / 'partition.bin', period_ms=200)
    with device.start(timeout=60):
        device.wait_for('No module loaded yet', timeout=30)
        mark = device.mark()
        url = urls[0].replace(urls[0].split(protocol.PATH_UPLOAD_AND_RELOAD)[0], device.url)
        run = [url if word == urls[0] else word for word in command]
        result = subprocess.run(run, cwd=project, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)[protocol.RESP_OK] is True, result.stdout
        device.wait_for(re.escape('2 + 3 = 5'), since=mark, timeout=30)
        device.wait_for(re.escape('Hello, World!'), since=mark, timeout=30)
