"""Watch loop: real files, the real watchfiles loop, a real build; the action is injected where no device is needed."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devtools_project import SimDevice, free_port, make_project
from watchfiles import Change

from hotreload_py import watch
from hotreload_py.errors import BuildError, HotreloadError
from hotreload_py.manifest import load_manifest, save_manifest

DEADLINE = 120.0


def wait_for(
    condition: Callable[[], bool], what: str, deadline: float = DEADLINE, shown: Callable[[], list[str]] | None = None
) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            said = '\n'.join(shown()) if shown is not None else ''
            raise AssertionError(f'timed out waiting for {what}' + (f'; output:\n{said}' if said else ''))
        time.sleep(0.02)


def touch(path: Path, text: str) -> bool:
    """Write text to path (a save in an editor); true, for use inside wait_for conditions."""
    path.write_text(text)
    return True


class Recorder:
    """An action that records each call's changed file names and answers from a script."""

    def __init__(self, answers: list[bool] | None = None) -> None:
        self.calls: list[set[str]] = []
        self.answers = answers or []
        self.lock = threading.Lock()

    def __call__(self, changed: set[Path]) -> bool:
        with self.lock:
            self.calls.append({path.name for path in changed})
            return self.answers.pop(0) if self.answers else False

    def count(self) -> int:
        with self.lock:
            return len(self.calls)


@pytest.fixture()
def running_loop(tmp_path: Path) -> Iterator[Callable[..., tuple[Path, threading.Thread]]]:
    """Start watch_loop in a thread on a fresh directory; stopped and joined afterwards."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(action: watch.Action, **kwargs: object) -> tuple[Path, threading.Thread]:
        src = tmp_path / 'component'
        src.mkdir(exist_ok=True)
        (src / 'include').mkdir(exist_ok=True)
        ready = threading.Event()

        def observed(changed: set[Path]) -> bool:
            real = {path for path in changed if path.name != 'probe.h'}
            if changed and not real:
                ready.set()
                return False
            return action(real)

        thread = threading.Thread(
            target=watch.watch_loop, args=([src], observed), kwargs={'stop_event': stop, **kwargs}, daemon=True
        )
        thread.start()
        threads.append(thread)
        # The watcher is live once it reports a change: keep touching a probe file until it does.
        probe = src / 'probe.h'
        wait_for(lambda: touch(probe, str(time.monotonic())) and ready.wait(0.2), 'the watcher to start')
        return src, thread

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_source_filter_takes_sources_headers_cmakelists_only(tmp_path: Path) -> None:
    build = tmp_path / 'build'
    keep = watch.SourceFilter([build])
    for name in ('a.c', 'a.cpp', 'include/a.h', 'CMakeLists.txt', 'Kconfig', 'x.S', 'idf_component.yml'):
        assert keep(Change.modified, str(tmp_path / name)), name
    for name in ('a.o', '.a.c.swp', 'a.c~', 'notes.txt', 'build/gen.c', '.git/index.c'):
        assert not keep(Change.modified, str(tmp_path / name)), name


def test_watched_dirs_from_manifest_dedupe_and_missing(tmp_path: Path) -> None:
    build = make_project(tmp_path)
    manifest = load_manifest(build)
    dirs = watch.watched_dirs(manifest)
    assert dirs == [Path(manifest.components[0].source_dirs[0]).resolve()]
    doubled = type(manifest)(**{**manifest.__dict__, 'components': manifest.components * 2})
    assert watch.watched_dirs(doubled) == dirs
    entry = manifest.components[0]
    gone = type(entry)(**{**entry.__dict__, 'source_dirs': [str(tmp_path / 'nowhere')]})
    with pytest.raises(BuildError, match='no existing source directory'):
        watch.watched_dirs(type(manifest)(**{**manifest.__dict__, 'components': [gone]}))


def test_watch_loop_rejects_non_positive_debounce(tmp_path: Path) -> None:
    with pytest.raises(HotreloadError, match='--debounce must be a positive'):
        watch.watch_loop([tmp_path], lambda changed: False, debounce=0)


def test_watch_loop_burst_of_saves_is_one_call(running_loop: Callable[..., tuple[Path, threading.Thread]]) -> None:
    recorder = Recorder()
    src, _ = running_loop(recorder, debounce=0.4)
    target = src / 'reloadable.c'
    for version in range(8):
        target.write_text(f'int reloadable_add(int a, int b) {{ return a + b + {version}; }}\n')
    wait_for(lambda: recorder.count() >= 1, 'the first reload')
    (src / 'marker.c').write_text('/* later */\n')
    wait_for(lambda: any('marker.c' in call for call in recorder.calls), 'the marker save')
    before_marker = [call for call in recorder.calls if 'marker.c' not in call]
    assert before_marker == [{'reloadable.c'}]


def test_watch_loop_ignores_files_it_does_not_build(running_loop: Callable[..., tuple[Path, threading.Thread]]) -> None:
    recorder = Recorder()
    src, _ = running_loop(recorder, debounce=0.1)
    (src / 'notes.txt').write_text('not a source\n')
    (src / 'reloadable.o').write_bytes(b'\0')
    (src / 'include' / 'api.h').write_text('#pragma once\n')
    wait_for(lambda: recorder.count() >= 1, 'the header save')
    assert recorder.calls[0] == {'api.h'}


def test_watch_loop_retries_while_action_asks(running_loop: Callable[..., tuple[Path, threading.Thread]]) -> None:
    recorder = Recorder(answers=[True, True, False])
    src, _ = running_loop(recorder, debounce=0.1, retry_interval=0.1)
    (src / 'reloadable.c').write_text('int x;\n')
    wait_for(lambda: recorder.count() >= 3, 'two retries')
    assert recorder.calls[:3] == [{'reloadable.c'}, set(), set()]


def test_run_watch_survives_compile_error_and_recovers(tmp_path: Path) -> None:
    build = make_project(tmp_path)
    source = Path(load_manifest(build).components[0].source_dirs[0]) / 'reloadable.c'
    good = source.read_text()
    lines: list[str] = []
    lock = threading.Lock()

    def echo(line: str) -> None:
        with lock:
            lines.append(line)

    def seen(text: str) -> bool:
        with lock:
            return any(text in line for line in lines)

    stop = threading.Event()
    url = f'127.0.0.1:{free_port()}'
    thread = threading.Thread(
        target=watch.run_watch, args=(build, url), kwargs={'debounce': 0.1, 'echo': echo, 'stop_event': stop}
    )
    thread.start()
    try:
        wait_for(lambda: seen('watching'), 'the watch banner')
        # Keep saving the broken file until the (just started) watcher reports it.
        broken = good.replace('return a + b;', 'return a + ;')
        wait_for(lambda: touch(source, broken) and seen('building reloadable failed'), 'the build error')
        assert seen('reloadable.c')  # the compiler's own message, inline
        assert seen('waiting for the next save')
        assert thread.is_alive()
        source.write_text(good.replace('a + b', 'a + b + 1'))
        wait_for(lambda: seen('cannot reach the device'), 'the fixed build reaching the upload')
        assert seen('retrying every')
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


# --- Against the simulated device ----------------------------------------------------------------------


class WatchRun:
    """run_watch in a thread, its lines collected; stopped by stop()."""

    def __init__(self, build: Path, url: str) -> None:
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(build, url))
        self.thread.start()

    def _run(self, build: Path, url: str) -> None:
        try:
            watch.run_watch(build, url, debounce=0.3, echo=self.echo, stop_event=self.stop_event)
        except BaseException as exc:  # shown by the test's timeout message
            self.echo(f'run_watch raised {type(exc).__name__}: {exc}')
            raise

    def echo(self, line: str) -> None:
        with self.lock:
            self.lines.append(line)

    def count(self, text: str) -> int:
        with self.lock:
            return sum(text in line for line in self.lines)

    def snapshot(self) -> list[str]:
        with self.lock:
            return list(self.lines)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def _greeting(source: Path, greeting: str) -> str:
    text = source.read_text()
    for old in ('Hello', 'Howdy', 'Hey', 'Yo', 'Hi', 'Ahoy'):
        text = text.replace(f'"{old}, %s!', f'"{greeting}, %s!')
    return text


def _device_says(device: SimDevice, mark: int, text: str) -> Callable[[], bool]:
    return lambda: any(text in line for line in device.since(mark))


def _wait_until_watching(run: WatchRun, source: Path) -> None:
    """Save the unchanged file until the watcher reports it: from then on every save is seen."""
    content = source.read_text()
    wait_for(
        lambda: touch(source, content) and run.count('changed: reloadable.c') > 0,
        'the watcher to start',
        shown=run.snapshot,
    )
    wait_for(lambda: run.count('ms, load') > 0, 'the first reload attempt to finish', shown=run.snapshot)


def _reloads(run: WatchRun) -> int:
    return run.count('reloaded reloadable') + run.count('staged reloadable')


@pytest.mark.qemu_user
def test_watch_device_save_burst_and_compile_error(
    sim_device: SimDevice, sim_build_dir: tuple[Path, Path], edited_source: Path
) -> None:
    run = WatchRun(sim_build_dir[1], sim_device.url)
    try:
        _wait_until_watching(run, edited_source)
        before = _reloads(run)
        mark = sim_device.mark()
        for _ in range(5):
            edited_source.write_text(_greeting(edited_source, 'Howdy'))
        wait_for(_device_says(sim_device, mark, 'Howdy, World!'), 'the device to greet with Howdy', shown=run.snapshot)
        wait_for(lambda: _reloads(run) > before, 'the reload line')
        assert _reloads(run) == before + 1  # five saves, one reload

        broken = edited_source.read_text().replace('return a + b;', 'return a + ;')
        edited_source.write_text(broken)
        wait_for(lambda: run.count('building reloadable failed') > 0, 'the compile error', shown=run.snapshot)
        assert run.count('reloadable.c') > 0  # the compiler's message, inline
        assert run.thread.is_alive()

        mark = sim_device.mark()
        edited_source.write_text(_greeting(edited_source, 'Hey').replace('return a + ;', 'return a + b;'))
        wait_for(
            _device_says(sim_device, mark, 'Hey, World!'),
            'the device to greet with Hey after the fix',
            shown=run.snapshot,
        )
    finally:
        run.stop()


@pytest.mark.qemu_user
def test_watch_device_goes_away_and_comes_back(
    sim_device: SimDevice, sim_build_dir: tuple[Path, Path], edited_source: Path
) -> None:
    run = WatchRun(sim_build_dir[1], sim_device.url)
    port = int(sim_device.url.rsplit(':', 1)[1])
    try:
        _wait_until_watching(run, edited_source)
        sim_device.stop()
        edited_source.write_text(_greeting(edited_source, 'Yo'))
        wait_for(lambda: run.count('cannot reach the device') > 0, 'the unreachable message', shown=run.snapshot)
        assert run.count('retrying every') > 0
        back = SimDevice(sim_build_dir[1], port)
        try:
            wait_for(lambda: run.count('device back') > 0, 'the watch to notice the device is back', shown=run.snapshot)
            mark = 0
            wait_for(
                _device_says(back, mark, 'Yo, World!'), 'the restarted device to greet with Yo', shown=run.snapshot
            )
        finally:
            back.stop()
    finally:
        run.stop()


def test_reload_action_retries_quietly_and_says_when_device_is_back(tmp_path: Path) -> None:
    build = make_project(tmp_path)
    lines: list[str] = []
    action = watch.ReloadAction(build, f'127.0.0.1:{free_port()}', lines.append)
    source = Path(load_manifest(build).components[0].source_dirs[0]) / 'reloadable.c'
    assert action({source}) is True
    assert sum('cannot reach the device' in line for line in lines) == 1
    assert action(set()) is True  # a retry failing the same way
    assert action(set()) is True
    assert sum('cannot reach the device' in line for line in lines) == 1
    assert action({source}) is True  # a new save says it again
    assert sum('cannot reach the device' in line for line in lines) == 2


def test_run_watch_follows_components_added_to_the_manifest(tmp_path: Path) -> None:
    build = make_project(tmp_path)
    manifest = load_manifest(build)
    source = Path(manifest.components[0].source_dirs[0]) / 'reloadable.c'
    extra = tmp_path / 'other_component'
    extra.mkdir()
    lines: list[str] = []
    lock = threading.Lock()

    def echo(line: str) -> None:
        with lock:
            lines.append(line)

    def banners() -> list[str]:
        with lock:
            return [line for line in lines if 'watching' in line]

    stop = threading.Event()
    thread = threading.Thread(
        target=watch.run_watch,
        args=(build, f'127.0.0.1:{free_port()}'),
        kwargs={'debounce': 0.1, 'echo': echo, 'stop_event': stop},
    )
    thread.start()
    try:
        wait_for(lambda: len(banners()) == 1, 'the first banner')
        entry = manifest.components[0]
        grown = dataclasses.replace(entry, source_dirs=[*entry.source_dirs, str(extra)])
        save_manifest(dataclasses.replace(manifest, components=[grown]), build)
        content = source.read_text()
        wait_for(lambda: touch(source, content) and len(banners()) == 2, 'the watch to restart on the new directories')
        assert str(extra) in banners()[1]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_watch_cli_ctrl_c_stops_quietly(tmp_path: Path) -> None:
    build = make_project(tmp_path)
    cmd = [
        sys.executable,
        '-m',
        'hotreload_py',
        'watch',
        '--url',
        f'127.0.0.1:{free_port()}',
        '--build-dir',
        str(build),
    ]
    env = {**os.environ, 'PYTHONPATH': str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert 'watching' in banner
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert 'stopped' in out
    # watchfiles' own "WARNING: KeyboardInterrupt caught" line, or a traceback, is noise here.
    assert err == ''
