"""The `hotreload` command: a click group whose subcommands live in cli_*.py.

Each cli_* module exposes COMMANDS, a list of click commands that are thin
wrappers over library functions. main() turns HotreloadError into one line on
stderr and exit code 1 (click keeps exit code 2 for usage errors).
"""

from __future__ import annotations

import logging
import sys

import click

from hotreload_py import __version__, cli_build, cli_codegen, cli_device, cli_sim
from hotreload_py.errors import HotreloadError


@click.group(context_settings={'help_option_names': ['-h', '--help']})
@click.version_option(__version__, prog_name='hotreload')
@click.option('--debug', is_flag=True, help='Show debug logging and full tracebacks.')
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Hot reload for ESP-IDF: generate stubs, build modules, and reload them on a device."""
    ctx.ensure_object(dict)
    ctx.obj['debug'] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format='%(levelname)s: %(message)s')


for _module in (cli_codegen, cli_build, cli_device, cli_sim):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


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
