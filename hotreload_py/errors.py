"""Errors a user can act on. Anything else escaping the library is a bug."""

from __future__ import annotations


class HotreloadError(Exception):
    """Base of every error the tools report as one line, without a traceback.

    The message says what failed, the value involved, and what to do next.
    """


class ElfError(HotreloadError):
    """The input file is not an ELF module the tools can use."""


class BuildError(HotreloadError):
    """Building the firmware or a module failed, or the build directory is unusable."""


class DeviceError(HotreloadError):
    """The device could not be reached, or it refused a request."""
