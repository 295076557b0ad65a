"""The package imports and the CLI answers (the smallest check that CI runs tests)."""

from __future__ import annotations

import subprocess
import sys

from hotreload_py import __version__


def test_cli_version_prints_package_version() -> None:
    result = subprocess.run([sys.executable, '-m', 'hotreload_py', '--version'], capture_output=True, text=True)
    assert result.returncode == 0
    assert __version__ in result.stdout
