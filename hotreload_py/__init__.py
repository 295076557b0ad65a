"""Host tools for the hotreload ESP-IDF component."""

from __future__ import annotations

__version__ = '0.1.0'
