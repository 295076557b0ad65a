"""idf.py extension: loaded from the component root the way idf.py loads it, options parsed by click as idf.py
does, callbacks invoked with idf.py's argument shape; and through a real idf.py when ESP-IDF is present."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from devtools_project import free_port, make_project

from hotreload_py import idf_ext

REPO_ROOT = Path(__file__).resolve().parent.parent


class PropertyDict(dict):  # type: ignore[type-arg]
    """idf.py's global_args type: a dict with attribute access (tools/idf_py_actions/tools.py)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


class Task:
    """The part of idf.py's Task that global action callbacks see."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.action_args: dict[str, Any] = {}


def load_like_idf_py(component_dir: Path) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """idf.py's load_cli_extension_from_dir(): import <dir>/idf_ext.py by path under idf_ext_<dirname>."""
    module_name = f'idf_ext_{component_dir.name}'
    spec = importlib.util.spec_from_file_location(module_name, component_dir / 'idf_ext.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    function: Callable[[dict[str, Any], str], dict[str, Any]] = module.action_extensions
    return function


@pytest.fixture(scope='module')
def extension(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = tmp_path_factory.mktemp('project')
    return load_like_idf_py(REPO_ROOT)({}, str(project))


def idf_py_option(option: dict[str, Any]) -> click.Option:
    """What idf.py's Option does with an extension's option dict: 'names' become param_decls, help is extended."""
    kwargs = dict(option)
    kwargs['param_decls'] = kwargs.pop('names')
    made = click.Option(**kwargs)
    if made.envvar:
        assert made.help is not None  # idf.py appends to it: None crashes idf.py
        made.help += f' The default value can be set with the {made.envvar} environment variable.'
    return made


def invoke(extension: dict[str, Any], name: str, argv: list[str], global_args: PropertyDict) -> None:
    """Parse argv with the action's options as idf.py does (click.Option per dict), then call back."""
    action = extension['actions'][name]
    command = click.Command(name, params=[idf_py_option(option) for option in action.get('options', [])])
    ctx = command.make_context(name, argv)
    action['callback'](name, ctx, global_args, **ctx.params)


def test_idf_ext_loads_like_idf_py_and_registers_actions(extension: dict[str, Any]) -> None:
    assert extension['version'] == '1'
    assert sorted(extension['actions']) == ['hotreload-flash', 'reload', 'watch']
    for name, action in extension['actions'].items():
        assert callable(action['callback']), name
        assert action['help'].endswith('.'), name
    assert all(callable(callback) for callback in extension['global_action_callbacks'])


def test_idf_ext_every_option_has_help_and_builds_a_click_option(extension: dict[str, Any]) -> None:
    for name, action in extension['actions'].items():
        for option in action.get('options', []):
            # idf.py crashes on an option with envvar and no help.
            assert option.get('help'), (name, option['names'])
            idf_py_option(option)


def test_idf_ext_dependencies_use_all_never_build(extension: dict[str, Any]) -> None:
    actions = extension['actions']
    for action in actions.values():
        assert 'build' not in action.get('dependencies', [])
    assert actions['hotreload-flash']['dependencies'] == ['all']
    # reload and watch build only the modules themselves: a full build first would cost seconds per reload.
    assert 'dependencies' not in actions['reload']
    assert 'dependencies' not in actions['watch']


def test_idf_ext_url_option_reads_hotreload_url(extension: dict[str, Any]) -> None:
    for name in ('reload', 'watch'):
        url = next(option for option in extension['actions'][name]['options'] if option['names'] == ['--url'])
        assert url['envvar'] == 'HOTRELOAD_URL'


def test_idf_ext_second_registration_adds_nothing(extension: dict[str, Any], tmp_path: Path) -> None:
    # The component's idf_ext.py and the package's entry point can both load in one idf.py run.
    again = idf_ext.action_extensions(extension, str(tmp_path))
    assert again == {'version': '1', 'global_action_callbacks': [], 'actions': {}}
    other = {'actions': {'reload': {'callback': lambda *args: None}}}
    assert 'reload' in idf_ext.action_extensions(other, str(tmp_path))['actions']


def test_idf_ext_entry_point_is_declared_and_loads() -> None:
    points = [point for point in importlib.metadata.entry_points(group='idf_extension') if point.name == 'hotreload']
    assert len(points) == 1
    assert points[0].value == 'hotreload_py.idf_ext:action_extensions'
    assert points[0].load() is idf_ext.action_extensions


def test_idf_ext_shim_uses_package_next_to_it(tmp_path: Path) -> None:
    component = tmp_path / 'hotreload'
    shutil.copytree(
        REPO_ROOT / 'hotreload_py', component / 'hotreload_py', ignore=shutil.ignore_patterns('__pycache__')
    )
    shutil.copy(REPO_ROOT / 'idf_ext.py', component / 'idf_ext.py')
    script = (
        'import importlib.util, sys\n'
        f'spec = importlib.util.spec_from_file_location("idf_ext_hotreload", {str(component / "idf_ext.py")!r})\n'
        'module = importlib.util.module_from_spec(spec)\n'
        'spec.loader.exec_module(module)\n'
        'print(sys.modules["hotreload_py"].__file__)\n'
        'print(sorted(module.action_extensions({}, ".")["actions"]))\n'
    )
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, cwd=tmp_path, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == str(component / 'hotreload_py' / '__init__.py')
    assert lines[1] == "['hotreload-flash', 'reload', 'watch']"


def test_idf_ext_reload_without_build_says_build_first(extension: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(click.ClickException, match='build the project first'):
        invoke(extension, 'reload', ['--url', '127.0.0.1:1'], PropertyDict(build_dir=str(tmp_path / 'build')))


def test_idf_ext_reload_error_becomes_one_line_fatal_error(extension: dict[str, Any], tmp_path: Path) -> None:
    build = make_project(tmp_path)
    port = free_port()
    with pytest.raises(click.ClickException) as info:
        invoke(extension, 'reload', ['--url', f'127.0.0.1:{port}'], PropertyDict(build_dir=str(build)))
    assert info.value.message.startswith(f'cannot reach the device at http://127.0.0.1:{port}')
    assert '\n' not in info.value.message


def test_idf_ext_reload_raises_idf_py_fatal_error_inside_idf_py(
    extension: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside idf.py, idf_py_actions.errors.FatalError is importable; the callback must raise that type.
    class FatalError(RuntimeError):
        pass

    package = types.ModuleType('idf_py_actions')
    errors = types.ModuleType('idf_py_actions.errors')
    errors.FatalError = FatalError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, 'idf_py_actions', package)
    monkeypatch.setitem(sys.modules, 'idf_py_actions.errors', errors)
    monkeypatch.setitem(sys.modules, 'idf_py_actions.tools', None)  # no build from this test
    with pytest.raises(FatalError, match='build the project first'):
        invoke(extension, 'reload', ['--url', 'device'], PropertyDict(build_dir=str(tmp_path)))


def test_idf_ext_watch_with_monitor_runs_watch_in_background_first(extension: dict[str, Any]) -> None:
    (callback,) = extension['global_action_callbacks']
    tasks = [Task('flash'), Task('monitor'), Task('watch')]
    callback(None, PropertyDict(), tasks)
    assert [task.name for task in tasks] == ['flash', 'watch', 'monitor']
    assert tasks[1].action_args == {'background': True}
    alone = [Task('watch')]
    callback(None, PropertyDict(), alone)
    assert alone[0].action_args == {}


def test_idf_ext_flash_refuses_simulated_device_build(extension: dict[str, Any], tmp_path: Path) -> None:
    build = make_project(tmp_path)
    with pytest.raises(click.ClickException, match='has no serial flash'):
        invoke(extension, 'hotreload-flash', [], PropertyDict(build_dir=str(build), port=None, baud=460800))


def test_enable_instructions_say_how_to_get_the_actions() -> None:
    text = idf_ext.enable_instructions('reload')
    assert 'idf.py reload' in text
    assert 'pip install' in text
    assert 'IDF_EXTENSION_ALLOW_UNTRUSTED=1' in text
    assert 'idf.py reconfigure' in text
    assert 'hotreload reload --build-dir build' in text
    assert 'hotreload flash --build-dir build' in idf_ext.enable_instructions('hotreload-flash')


def test_cli_idf_actions_prints_instructions_and_fails() -> None:
    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'idf-actions', 'watch'], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f'error: {idf_ext.enable_instructions("watch")}'


@pytest.mark.idf
def test_idf_py_lists_the_actions(idf_path: Path, tmp_path: Path) -> None:
    """A real idf.py, in a fresh project, picks the actions up through the installed entry point."""
    project = tmp_path / 'app'
    (project / 'main').mkdir(parents=True)
    (project / 'CMakeLists.txt').write_text(
        'cmake_minimum_required(VERSION 3.16)\ninclude($ENV{IDF_PATH}/tools/cmake/project.cmake)\nproject(app)\n'
    )
    (project / 'main' / 'CMakeLists.txt').write_text('idf_component_register(SRCS main.c)\n')
    (project / 'main' / 'main.c').write_text('void app_main(void) {}\n')
    env = {**os.environ, 'HOTRELOAD_URL': '127.0.0.1:1'}
    result = subprocess.run(
        [sys.executable, str(idf_path / 'tools' / 'idf.py'), '--help'],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for name in ('reload', 'watch', 'hotreload-flash'):
        assert name in result.stdout
    help_reload = subprocess.run(
        [sys.executable, str(idf_path / 'tools' / 'idf.py'), 'reload', '--help'],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert help_reload.returncode == 0, help_reload.stderr
    assert '--url' in help_reload.stdout


def test_idf_ext_watch_in_background_returns_and_reports_in_its_thread(
    extension: dict[str, Any], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    callback = extension['actions']['watch']['callback']
    callback('watch', None, PropertyDict(build_dir=str(tmp_path)), url='device', debounce=0.3, background=True)
    for thread in threading.enumerate():  # none left when it already ended
        if thread.name == 'hotreload-watch':
            thread.join(timeout=30)
            assert not thread.is_alive()
    err = capfd.readouterr().err
    assert '[hotreload] error:' in err
    assert 'build the project first' in err
    assert err.rstrip().endswith('watch stopped')
