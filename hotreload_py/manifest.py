"""The build manifest: what the build made, for the host tools to read.

The build pipeline writes `<build>/hotreload/manifest.json` (schema in
docs/CONTRACTS.md); `reload`, `watch` and `flash` read it instead of guessing
from CMakeLists files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hotreload_py import protocol
from hotreload_py.errors import BuildError

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ComponentEntry:
    """One reloadable component of the firmware."""

    name: str
    prefix: str
    source_dirs: list[str]
    module: str  # absolute path of the stripped module the device loads
    module_target: str  # build target that rebuilds only this module
    exports: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    """Everything the host tools need to know about one build directory."""

    generator: str  # 'esp-idf' or 'standalone'
    project_dir: str
    build_dir: str
    target: str
    arch: str
    firmware_elf: str
    partition_label: str
    auth_key_file: str | None
    build_tool: list[str]
    components: list[ComponentEntry]
    version: int = MANIFEST_VERSION

    def component(self, name: str) -> ComponentEntry:
        """The component called name; BuildError listing the known ones otherwise."""
        for entry in self.components:
            if entry.name == name:
                return entry
        known = ', '.join(entry.name for entry in self.components) or 'none'
        raise BuildError(f"no reloadable component '{name}' in this build (reloadable components: {known})")


def manifest_path(build_dir: Path) -> Path:
    """Where the manifest of build_dir lives."""
    return build_dir / protocol.BUILD_SUBDIR / protocol.MANIFEST_NAME


def load_manifest(build_dir: Path) -> Manifest:
    """Read the manifest of build_dir; BuildError saying how to make one when it is missing or bad."""
    path = manifest_path(build_dir)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise BuildError(
            f'{path} does not exist: build the project first (idf.py build, or hotreload sim build), '
            'and check that at least one component is RELOADABLE'
        ) from None
    except json.JSONDecodeError as exc:
        raise BuildError(f'{path} is not valid JSON ({exc}): rebuild the project') from None
    if raw.get('version') != MANIFEST_VERSION:
        raise BuildError(
            f'{path} has manifest version {raw.get("version")!r}, these tools read version {MANIFEST_VERSION}: '
            'rebuild the project with this version of hotreload'
        )
    try:
        components = [ComponentEntry(**entry) for entry in raw.pop('components')]
        return Manifest(components=components, **raw)
    except (KeyError, TypeError) as exc:
        raise BuildError(f'{path} is missing or has unexpected fields ({exc}): rebuild the project') from None


def save_manifest(manifest: Manifest, build_dir: Path) -> Path:
    """Write the manifest and return its path (nothing depends on its mtime)."""
    path = manifest_path(build_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + '\n')
    return path
