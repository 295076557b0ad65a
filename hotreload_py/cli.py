"""The `hotreload` command: a click group whose subcommands live in cli_*.py.

Each cli_* module exposes COMMANDS, a list of click commands that are thin
wrappers over library functions. main() turns HotreloadError into one line on
stderr and exit code 1 (click keeps exit code 2 for usage errors).

The build runs several `hotreload gen-*` steps per reload, so a command imports
only its own module: the device commands pull in httpx and watchfiles, which
would cost every build step a tenth of a second for nothing.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from hotreload_py import __version__
from hotreload_py.errors import HotreloadError

#: Which cli_* module defines each subcommand (a test checks it against their COMMANDS lists).
COMMAND_MODULES: dict[str, str] = {
    'inspect': 'cli_codegen',
    'gen-stubs': 'cli_codegen',
    'gen-ldscript': 'cli_codegen',
    'gen-externs': 'cli_codegen',
    'gen-registry': 'cli_codegen',
    'gen-protocol': 'cli_codegen',
    'package-module': 'cli_build',
    'gen-auth': 'cli_build',
    'write-manifest': 'cli_build',
    'reload': 'cli_device',
    'watch': 'cli_device',
    'status': 'cli_device',
    'flash': 'cli_device',
    'partition-image': 'cli_device',
    'idf-actions': 'cli_device',
    'sim': 'cli_sim',
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f'hotreload_py.{module_name}')
        for command in module.COMMANDS:
            if command.name == cmd_name:
                return command
        raise RuntimeError(f'hotreload_py.{module_name} does not define the command {cmd_name!r}')


@click.group(cls=LazyGroup, context_settings={'help_option_names': ['-h', '--help']})
@click.version_option(__version__, prog_name='hotreload')
@click.option('--debug', is_flag=True, help='Show debug logging and full tracebacks.')
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Hot reload for ESP-IDF: generate stubs, build modules, and reload them on a device."""
    ctx.ensure_object(dict)
    ctx.obj['debug'] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format='%(levelname)s: %(message)s')


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; HotreloadError becomes `error: ...` on stderr and exit code 1."""
    debug = '--debug' in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name='hotreload', standalone_mode=False)
    except HotreloadError as exc:
        if debug:
            raise
        click.echo(f'error: {exc}', err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo('aborted', err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
