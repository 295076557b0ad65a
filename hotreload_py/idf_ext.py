"""idf.py actions `reload`, `watch` and `hotreload-flash`.

idf.py finds this module two ways: through the `idf_extension` entry point of
the installed package, and through the component's own `idf_ext.py` shim
(trusted components only, after the first configure). Both may load it in one
run; the second registration then adds nothing, so idf.py warns about nothing.

The callbacks are thin: the work is in hotreload_py.reload, .watch and .flash,
imported only when an action runs so that loading idf.py stays fast and works
without the package's dependencies. Only click is imported here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

ACTIONS = ('reload', 'watch', 'hotreload-flash')

_DEPENDENCIES = 'pyelftools jinja2 httpx watchfiles click'


def enable_instructions(action: str) -> str:
    """How to make `idf.py <action>` available when idf.py did not load this extension (the one copy of this text)."""
    return (
        f'idf.py {action} is provided by the hotreload idf.py extension, which idf.py did not load. Enable it one '
        "of these ways: (1) install the hotreload tools into ESP-IDF's Python environment: "
        '"python -m pip install PATH_TO_HOTRELOAD_COMPONENT" (the component directory, e.g. '
        'managed_components/<namespace>__hotreload), which registers the extension for every project; or '
        "(2) let idf.py load the component's own idf_ext.py, which it does only after the project has been "
        'configured once (idf.py reconfigure) and, for a component from the registry outside the espressif/ '
        'namespace or from a path/override_path dependency, only with "export IDF_EXTENSION_ALLOW_UNTRUSTED=1". '
        f'Without idf.py: "hotreload {_cli_name(action)} --build-dir build".'
    )


def missing_dependency_message(exc: ImportError) -> str:
    """What to install when an action runs in a Python environment without the package's dependencies."""
    return (
        f'the hotreload tools need a Python package that is missing in the Python idf.py runs ({exc.name}): '
        f'"{sys.executable} -m pip install {_DEPENDENCIES}", or "{sys.executable} -m pip install '
        'PATH_TO_HOTRELOAD_COMPONENT"'
    )


def _cli_name(action: str) -> str:
    return 'flash' if action == 'hotreload-flash' else action


def _fatal(message: str) -> Exception:
    """idf.py's FatalError (its way of ending with one red line), or click's equivalent outside idf.py."""
    try:
        from idf_py_actions.errors import FatalError
    except ImportError:
        return click.ClickException(message)
    return FatalError(message)  # type: ignore[no-any-return]


def _guarded(work: Callable[[], None]) -> None:
    """Run work, turning the errors a user can act on into one line."""
    try:
        from hotreload_py.errors import HotreloadError
    except ImportError as exc:  # pragma: no cover - the package itself is what is running
        raise _fatal(missing_dependency_message(exc)) from None
    try:
        work()
    except HotreloadError as exc:
        raise _fatal(str(exc)) from None
    except ImportError as exc:
        raise _fatal(missing_dependency_message(exc)) from None


def _echo(line: str) -> None:
    print(line, flush=True)


def _build_dir(global_args: Any) -> Path:
    return Path(global_args.build_dir)


def _ensure_built(ctx: click.Context, global_args: Any) -> None:
    """Build the whole project once when it has never been built (no manifest yet)."""
    from hotreload_py.manifest import manifest_path

    if manifest_path(_build_dir(global_args)).is_file():
        return
    try:
        from idf_py_actions.tools import ensure_build_directory, run_target
    except ImportError:
        return  # outside idf.py: load_manifest() says what to do
    ensure_build_directory(global_args, ctx.info_name)
    run_target('all', global_args)


def _reload_callback(
    action: str,
    ctx: click.Context,
    global_args: Any,
    url: str | None,
    component: tuple[str, ...],
    no_build: bool,
    force: bool,
) -> None:
    def work() -> None:
        from hotreload_py import reload as reload_flow

        _ensure_built(ctx, global_args)
        report = reload_flow.reload(
            _build_dir(global_args), url or '', components=component, build=not no_build, force=force, echo=_echo
        )
        _echo(f'{report.summary()} ({report.timing_line()})')

    _guarded(work)


def _watch_callback(
    action: str, ctx: click.Context, global_args: Any, url: str | None, debounce: float, background: bool = False
) -> None:
    def work() -> None:
        from hotreload_py import watch as watch_flow

        _ensure_built(ctx, global_args)
        watch_flow.run_watch(_build_dir(global_args), url or '', debounce=debounce, echo=_echo)

    if not background:
        _guarded(work)
        return

    def in_background() -> None:
        try:
            _guarded(work)
        except Exception as exc:  # noqa: BLE001 - a thread has nobody to raise to: say it and end
            print(f'[hotreload] error: {exc}; watch stopped', file=sys.stderr, flush=True)

    threading.Thread(target=in_background, name='hotreload-watch', daemon=True).start()


def _flash_callback(action: str, ctx: click.Context, global_args: Any) -> None:
    def work() -> None:
        from hotreload_py import flash as flash_flow
        from hotreload_py.manifest import load_manifest

        port = global_args.get('port')
        baud = global_args.get('baud')
        try:
            from idf_py_actions.tools import run_target
        except ImportError:
            flash_flow.flash(_build_dir(global_args), port, baud)
            return
        manifest = load_manifest(_build_dir(global_args))
        if not flash_flow.has_build_target(manifest, flash_flow.FLASH_TARGET):
            flash_flow.flash(_build_dir(global_args), port, baud)
            return
        env = {'ESPBAUD': str(baud or ''), 'ESPPORT': port or _default_port(global_args)}
        run_target(flash_flow.FLASH_TARGET, global_args, env)

    _guarded(work)


def _default_port(global_args: Any) -> str:
    """The port idf.py flash would pick, where this ESP-IDF version offers the helper; else esptool detects."""
    try:
        from idf_py_actions.tools import get_default_serial_port
    except ImportError:
        return ''
    try:
        return str(get_default_serial_port() or '')
    except Exception:  # noqa: BLE001 - no port found: esptool's own detection gets its turn
        return ''


def _watch_with_monitor(ctx: click.Context, global_args: Any, tasks: list[Any]) -> None:
    """`idf.py watch monitor`: run watch in the background, before monitor, so both run together."""
    names = [task.name for task in tasks]
    if 'watch' not in names or 'monitor' not in names:
        return
    watch_task = tasks[names.index('watch')]
    watch_task.action_args['background'] = True
    tasks.remove(watch_task)
    tasks.insert([task.name for task in tasks].index('monitor'), watch_task)


def _is_ours(callback: object) -> bool:
    return getattr(callback, '__module__', None) == __name__


def action_extensions(base_actions: dict[str, Any], project_path: str) -> dict[str, Any]:
    """The extension dictionary idf.py merges into its actions (format version 1)."""
    url_option = {
        'names': ['--url'],
        'envvar': 'HOTRELOAD_URL',
        'default': None,
        'help': "The device's address: host, host:port (port 8080 when omitted) or http://host:port. "
        'Default: the HOTRELOAD_URL environment variable.',
    }
    actions: dict[str, dict[str, Any]] = {
        'reload': {
            'callback': _reload_callback,
            'help': 'Rebuild the reloadable components and reload them on the device over the network.',
            'options': [
                url_option,
                {
                    'names': ['--component'],
                    'multiple': True,
                    'help': 'Reload only this reloadable component (repeatable). Default: all of them.',
                },
                {
                    'names': ['--no-build'],
                    'is_flag': True,
                    'default': False,
                    'help': 'Upload the modules as they are, without building them first.',
                },
                {
                    'names': ['--force'],
                    'is_flag': True,
                    'default': False,
                    'help': 'Upload even the modules the device already runs.',
                },
            ],
            'order_dependencies': ['all', 'build', 'flash', 'hotreload-flash'],
        },
        'watch': {
            'callback': _watch_callback,
            'help': 'Reload the reloadable components on the device every time one of their files is saved. '
            'Combine with monitor (idf.py watch monitor) to see the device output at the same time.',
            'options': [
                dict(url_option),
                {
                    'names': ['--debounce'],
                    'type': float,
                    'default': 0.3,
                    'help': 'Seconds without further changes before a burst of saves becomes one reload.',
                },
            ],
            'order_dependencies': ['all', 'build', 'flash', 'hotreload-flash'],
        },
        'hotreload-flash': {
            'callback': _flash_callback,
            'help': 'Build, then write the hotreload partition (the current modules) over serial. '
            'Uses the global -p/--port and -b/--baud.',
            'dependencies': ['all'],
        },
    }
    existing = base_actions.get('actions', {}) if isinstance(base_actions, dict) else {}
    ours = {name: action for name, action in actions.items() if not _is_ours(existing.get(name, {}).get('callback'))}
    callbacks = base_actions.get('global_action_callbacks', []) if isinstance(base_actions, dict) else []
    global_callbacks = [] if any(_is_ours(cb) for cb in callbacks) else [_watch_with_monitor]
    return {'version': '1', 'global_action_callbacks': global_callbacks, 'actions': ours}
