"""CLI commands of the code generator: inspect, gen-stubs, gen-ldscript, gen-externs, gen-registry, gen-protocol."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotreload_py import codegen, elf
from hotreload_py.arch import STUB_ABIS

_IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command('inspect')
@click.argument('module', type=_IN_FILE)
@click.option('--json', 'as_json', is_flag=True, help='Print a JSON object instead of the human-readable report.')
def inspect_cmd(module: Path, as_json: bool) -> None:
    """Show a module's architecture, exports, firmware symbols it needs, sections and relocations."""
    report = elf.describe(elf.load(module))
    click.echo(json.dumps(report, indent=2) if as_json else _format_report(report))


@click.command('gen-stubs')
@click.argument('module', type=_IN_FILE)
@click.option('--abi', required=True, type=click.Choice(sorted(STUB_ABIS)), help='Calling convention of the firmware.')
@click.option('--stubs', 'stubs_out', required=True, type=_OUT_FILE, help='Assembler file to write the stubs to.')
@click.option('--table', 'table_out', required=True, type=_OUT_FILE, help='C file to write the symbol table to.')
@click.option(
    '--prefix',
    help='Namespace of the table symbols (PREFIX_hr_table). Default: the module file name without '
    '_stripped/.so/.elf, made a C identifier.',
)
@click.option('--name', help='Component name recorded in the table (must match the module). Default: the prefix.')
def gen_stubs_cmd(
    module: Path, abi: str, stubs_out: Path, table_out: Path, prefix: str | None, name: str | None
) -> None:
    """Write one tail-jump stub per exported function of MODULE, and its symbol table."""
    codegen.gen_stubs(module, abi, stubs_out, table_out, prefix, name)


@click.command('gen-ldscript')
@click.option('--firmware', required=True, type=_IN_FILE, help='The linked firmware ELF.')
@click.option('--module', required=True, type=_IN_FILE, help='The module ELF (relocatable or first-pass link).')
@click.option('--out', required=True, type=_OUT_FILE, help='Linker script to write.')
@click.option('--allow-undefined', is_flag=True, help='Warn about symbols the firmware lacks instead of failing.')
def gen_ldscript_cmd(firmware: Path, module: Path, out: Path, allow_undefined: bool) -> None:
    """Write a linker script giving every firmware symbol the module uses its firmware address."""
    codegen.gen_ldscript(firmware, module, out, allow_undefined)


@click.command('gen-externs')
@click.argument('module', type=_IN_FILE)
@click.option('--out', required=True, type=_OUT_FILE, help='Linker script to write.')
def gen_externs_cmd(module: Path, out: Path) -> None:
    """Write EXTERN() for every symbol MODULE needs, so the firmware link keeps those functions."""
    codegen.gen_externs(module, out)


@click.command('gen-registry')
@click.argument('prefixes', nargs=-1)
@click.option('--out', required=True, type=_OUT_FILE, help='C file to write.')
def gen_registry_cmd(prefixes: tuple[str, ...], out: Path) -> None:
    """Write hotreload_tables[] listing the table of each reloadable component PREFIX."""
    codegen.gen_registry(list(prefixes), out)


@click.command('gen-protocol')
@click.option('--out', required=True, type=_OUT_FILE, help='Header to write (the checked-in src/hr_protocol.h).')
def gen_protocol_cmd(out: Path) -> None:
    """Render hotreload_py/protocol.py as C #defines (HR_PROTO_...)."""
    codegen.gen_protocol(out)


COMMANDS: list[click.Command] = [
    inspect_cmd,
    gen_stubs_cmd,
    gen_ldscript_cmd,
    gen_externs_cmd,
    gen_registry_cmd,
    gen_protocol_cmd,
]


def _format_report(report: dict[str, object]) -> str:
    lines = [f'{report["file"]}: {report["machine"]} {report["elf_type"]}']
    if report['float_abi'] is not None:
        lines[0] += f', float ABI {report["float_abi"]}'
    for title, key in (
        ('exported functions', 'exported_functions'),
        ('exported data (not reloadable)', 'exported_data'),
        ('needs from the firmware', 'firmware_symbols'),
    ):
        names = report[key]
        assert isinstance(names, list)
        lines.append(f'{title} ({len(names)}):')
        lines.extend(f'  {n}' for n in names)
    for title, key in (('sections (allocated, bytes)', 'sections'), ('relocations', 'relocations')):
        table = report[key]
        assert isinstance(table, dict)
        lines.append(f'{title}:')
        width = max((len(k) for k in table), default=0)
        lines.extend(f'  {k:<{width}}  {v}' for k, v in table.items())
    info = report['module_info']
    if isinstance(info, dict):
        lines.append('module info (.hotreload.info):')
        if not info['valid']:
            lines.append('  invalid: wrong magic or too short; package the module again')
        else:
            for key in ('name', 'export_count', 'firmware_sha256', 'abi_fingerprint', 'fingerprint_matches_exports'):
                lines.append(f'  {key}: {info[key]}')
    return '\n'.join(lines)
