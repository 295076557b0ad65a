from __future__ import annotations

from hotreload_py.cli import main

main()
