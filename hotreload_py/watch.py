"""Watch the reloadable components' files and reload on every save.

The directories come from the build manifest, so a component is watched
wherever it lives. A burst of saves within the debounce period becomes one
reload. Nothing stops the loop except the user: a compile error is shown and
the loop waits for the next save; a device that went away is retried every few
seconds until it answers, and so is a device running other firmware until it
is flashed. Our own lines start with PREFIX so they stand out next to
`idf.py monitor` output; compiler output is shown as the compiler wrote it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

from hotreload_py import reload as reload_flow
from hotreload_py.client import DeviceUnreachableError, FirmwareMismatchError
from hotreload_py.errors import BuildError, DeviceError, HotreloadError
from hotreload_py.manifest import Manifest, load_manifest, manifest_path

# watchfiles logs "N changes detected" at INFO, which the CLI shows; the loop says what it does itself.
logging.getLogger('watchfiles').setLevel(logging.WARNING)

PREFIX = '[hotreload] '
DEFAULT_DEBOUNCE = 0.3
#: Seconds between attempts while the device is unreachable or runs other firmware.
RETRY_INTERVAL = 2.0

WATCHED_SUFFIXES = frozenset(
    {'.c', '.cc', '.cpp', '.cxx', '.h', '.hh', '.hpp', '.hxx', '.inc', '.s', '.S', '.ld', '.cmake', '.lf'}
)
WATCHED_NAMES = frozenset({'CMakeLists.txt', 'Kconfig', 'Kconfig.projbuild', 'idf_component.yml'})

#: Called with the changed paths (empty on a retry); returns True to be retried later.
Action = Callable[[set[Path]], bool]
Echo = Callable[[str], None]


class SourceFilter(watchfiles.DefaultFilter):
    """Sources, headers and build files; not editor droppings and not the build directory."""

    def __init__(self, ignore: Sequence[Path] = ()) -> None:
        super().__init__(ignore_paths=[str(path) for path in ignore])

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        name = Path(path).name
        wanted = name in WATCHED_NAMES or Path(name).suffix in WATCHED_SUFFIXES
        return wanted and super().__call__(change, path)


def watched_dirs(manifest: Manifest) -> list[Path]:
    """Every existing source directory of every reloadable component, without duplicates."""
    dirs: list[Path] = []
    for entry in manifest.components:
        for name in entry.source_dirs:
            path = Path(name).resolve()
            if path.is_dir() and path not in dirs:
                dirs.append(path)
    if not dirs:
        raise BuildError(
            f'{manifest_path(Path(manifest.build_dir))} lists no existing source directory to watch: '
            'rebuild the project'
        )
    return dirs


def watch_loop(
    paths: Sequence[Path],
    action: Action,
    *,
    debounce: float = DEFAULT_DEBOUNCE,
    retry_interval: float = RETRY_INTERVAL,
    stop_event: threading.Event | None = None,
    ignore: Sequence[Path] = (),
    restart: Callable[[], bool] | None = None,
) -> bool:
    """Call action once per burst of changes under paths, and again every retry_interval while it asks to.

    Returns True after an action when restart() says the set of paths to watch
    has changed, False when stop_event is set; Ctrl+C raises KeyboardInterrupt.
    """
    if debounce <= 0:
        raise HotreloadError(f'--debounce must be a positive number of seconds, not {debounce:g}')
    step_ms = max(int(debounce * 1000), 1)
    pending = False
    for changes in watchfiles.watch(
        *paths,
        watch_filter=SourceFilter(ignore),
        step=step_ms,
        debounce=max(step_ms * 10, 5000),
        stop_event=stop_event,
        rust_timeout=max(int(retry_interval * 1000), 1),
        yield_on_timeout=True,
    ):
        changed = {Path(path) for _, path in changes}
        if not changed and not pending:
            continue
        pending = action(changed)
        if restart is not None and restart():
            return True
    return False


class ReloadAction:
    """The watch action for a build directory and device: reload, and report what happened once."""

    def __init__(self, build_dir: Path, url: str, echo: Echo, timeout: float | None = None) -> None:
        self.build_dir = build_dir
        self.url = url
        self.echo = echo
        self.timeout = timeout
        self._retrying = False
        self._retry_kind: type[Exception] | None = None

    def __call__(self, changed: set[Path]) -> bool:
        if changed:
            names = ', '.join(sorted(path.name for path in changed))
            self.echo(f'{PREFIX}changed: {names}')
        try:
            # A retry follows a successful build: only the device part is repeated.
            report = reload_flow.reload(
                self.build_dir, self.url, build=bool(changed), echo=self.echo, timeout=self.timeout
            )
        except BuildError as exc:
            self._stop_retrying()
            self.echo(f'{PREFIX}error: {exc}; waiting for the next save')
            return False
        except (DeviceUnreachableError, FirmwareMismatchError) as exc:
            # A retry that fails the same way says nothing new.
            if changed or type(exc) is not self._retry_kind:
                self.echo(f'{PREFIX}error: {exc}; retrying every {RETRY_INTERVAL:g} s')
            self._retry_kind = type(exc)
            self._retrying = True
            return True
        except DeviceError as exc:
            self._stop_retrying()
            self.echo(f'{PREFIX}error: {exc}; waiting for the next save')
            return False
        if self._retrying:
            self.echo(f'{PREFIX}device back: {self.url}')
        self._stop_retrying()
        self.echo(f'{PREFIX}{report.summary()} ({report.timing_line()})')
        return False

    def _stop_retrying(self) -> None:
        self._retrying = False
        self._retry_kind = None


def run_watch(
    build_dir: Path,
    url: str,
    *,
    debounce: float = DEFAULT_DEBOUNCE,
    echo: Echo = print,
    stop_event: threading.Event | None = None,
    timeout: float | None = None,
) -> None:
    """Watch every reloadable component of build_dir and reload it on the device at url until stopped."""
    try:
        _watch_until_stopped(build_dir, url, debounce, echo, stop_event or threading.Event(), timeout)
    except KeyboardInterrupt:
        # Ctrl+C is how a watch ends, whether it comes while waiting or in the middle of a build.
        echo(f'{PREFIX}stopped')


def _watch_until_stopped(
    build_dir: Path, url: str, debounce: float, echo: Echo, stop: threading.Event, timeout: float | None
) -> None:
    action = ReloadAction(build_dir, url, echo, timeout)
    while not stop.is_set():
        manifest = load_manifest(build_dir)
        dirs = watched_dirs(manifest)
        echo(f'{PREFIX}watching {", ".join(str(path) for path in dirs)}; save a file to reload it on {url}')

        def dirs_changed(current: list[Path] = dirs) -> bool:
            try:
                return watched_dirs(load_manifest(build_dir)) != current
            except HotreloadError:
                return False

        if not watch_loop(
            dirs,
            action,
            debounce=debounce,
            stop_event=stop,
            ignore=[Path(manifest.build_dir).resolve()],
            restart=dirs_changed,
        ):
            return
