"""CLI commands: sim build, sim run, sim demo (the simulated device)."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from hotreload_py import sim, sim_demo
from hotreload_py.errors import DeviceError

_BUILD_DIR_HELP = 'Build directory of the simulated device (firmware, modules, manifest, partition file).'


@click.group('sim')
def sim_group() -> None:
    """The simulated device: the hotreload runtime as a process under QEMU user emulation, serving HTTP locally."""


#: --arch, the same for every command that builds a simulated device.
ARCH_OPTION = click.option(
    '--arch',
    type=click.Choice(sorted(sim.SIM_ARCHES)),
    default='riscv32',
    show_default=True,
    help='Instruction set of the simulated device (riscv32: ESP32-C3 memory map, xtensa: ESP32-S3).',
)


@sim_group.command('build')
@ARCH_OPTION
@click.option(
    '--component',
    'components',
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Directory of a reloadable component (ESP-IDF layout); repeatable. Default: the seed README's `reloadable`.",
)
@click.option(
    '--build-dir',
    '-B',
    type=click.Path(file_okay=False, path_type=Path),
    default=Path('build-sim'),
    show_default=True,
    help=_BUILD_DIR_HELP,
)
@click.option('--no-auth', is_flag=True, help='Build the firmware without an authentication key.')
def build_cmd(arch: str, components: tuple[Path, ...], build_dir: Path, no_auth: bool) -> None:
    """Build the simulated device's firmware and its modules with the standalone pipeline."""
    manifest = sim.build(arch, build_dir, components, auth=not no_auth, echo=lambda line: click.echo(line, err=True))
    click.echo(f'built {manifest.firmware_elf} and {", ".join(c.module for c in manifest.components)}')
    if not any(c.name == sim.APP_COMPONENT for c in manifest.components):
        # Otherwise the device reloads the module and then prints nothing new, which looks like a failed reload.
        click.echo(
            f'note: the simulated application calls reloadable_add() and reloadable_greet() only from a component '
            f'named {sim.APP_COMPONENT!r} (its directory name, as in ESP-IDF); '
            f'{", ".join(c.name for c in manifest.components)} will load and reload, but nothing calls it',
            err=True,
        )


@sim_group.command('run')
@click.option(
    '--build-dir',
    '-B',
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path('build-sim'),
    show_default=True,
    help=_BUILD_DIR_HELP,
)
@click.option(
    '--http', 'http', default='127.0.0.1:8080', show_default=True, help='Where the device serves HTTP: 127.0.0.1:PORT.'
)
@click.option(
    '--mode',
    type=click.Choice(['cooperative', 'immediate']),
    default='cooperative',
    show_default=True,
    help='Cooperative: the application reloads at its safe point; immediate: the server reloads at once.',
)
@click.option(
    '--period',
    type=float,
    default=1.0,
    show_default=True,
    help='Seconds between two calls of the module by the application.',
)
def run_cmd(build_dir: Path, http: str, mode: str, period: float) -> None:
    """Start the simulated device and stream its output until it exits or Ctrl-C."""
    # SIGTERM (a test harness, a service manager) must stop the QEMU child too.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    device = sim.SimDevice(
        build_dir, port=sim.parse_http(http), mode=mode, period_ms=int(period * 1000), echo=click.echo
    )
    try:
        device.start()
        click.echo(
            f'-- device at {device.url}; reload with: hotreload reload --url {device.url} --build-dir {build_dir}',
            err=True,
        )
        status = device.wait()
    finally:
        device.stop()
    if status != 0:
        how = f'was killed by signal {-status}' if status < 0 else f'exited with status {status}'
        raise DeviceError(f'the simulated device {how}; its output above says why')


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@sim_group.command('demo')
@ARCH_OPTION
@click.option(
    '--work-dir',
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help='Keep the scratch component and build here (default: a temporary directory).',
)
def demo_cmd(arch: str, work_dir: Path | None) -> None:
    """Build, start, edit, reload and show the new output on the simulated device, with the time of each phase."""
    sim_demo.demo(work_dir, arch, echo=click.echo)


COMMANDS: list[click.Command] = [sim_group]
