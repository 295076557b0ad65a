"""idf.py extension of the hotreload component: reload, watch, hotreload-flash (see hotreload_py/idf_ext.py).

Loads the hotreload_py next to this file (the one matching this component's
firmware side) without changing sys.path, unless one is already imported.
"""

import importlib.util
import os
import sys

if 'hotreload_py' not in sys.modules:
    _package_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'hotreload_py')
    _spec = importlib.util.spec_from_file_location(
        'hotreload_py', os.path.join(_package_dir, '__init__.py'), submodule_search_locations=[_package_dir]
    )
    sys.modules['hotreload_py'] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules['hotreload_py'])

from hotreload_py.idf_ext import action_extensions  # noqa: E402, F401
