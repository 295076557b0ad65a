"""The package imports and the CLI answers (the smallest check that CI runs tests)."""

from __future__ import annotations

import subprocess
import sys

from hotreload_py import __version__


def test_cli_version_prints_package_version() -> None:
    result = subprocess.run([sys.executable, '-m', 'hotreload_py', '--version'], capture_output=True, text=True)
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_cli_command_table_matches_the_modules_commands() -> None:
    from hotreload_py import cli, cli_build, cli_codegen, cli_device, cli_sim

    defined = {
        command.name: module.__name__.rsplit('.', 1)[1]
        for module in (cli_codegen, cli_build, cli_device, cli_sim)
        for command in module.COMMANDS
    }
    assert cli.COMMAND_MODULES == defined


def test_cli_gen_step_does_not_import_device_modules() -> None:
    code = (
        'import sys\n'
        'from hotreload_py.cli import main\n'
        'try:\n'
        "    main(['gen-registry', '--help'])\n"
        'except SystemExit:\n'
        '    pass\n'
        "print(sorted(m for m in ('httpx', 'watchfiles') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == '[]'
