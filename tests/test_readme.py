"""The README's promises hold: its code samples compile and its commands exist.

For README.md, every ```c block is compiled with -Wall -Wextra -Werror against
include/hotreload.h and the ESP-IDF shim headers in sim/platform/include, and
the files it shows are the files of examples/basic. In every user-facing
document, each `hotreload ...` command (in a shell block or inline code) is
resolved in the CLI with its options and its `--help` run, each `idf.py` word
that is not idf.py's own is one of our actions with options it declares, and
each relative link points at a file that exists.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from hotreload_py.cli import cli as cli_main
from hotreload_py.idf_ext import action_extensions

REPO_ROOT = Path(__file__).resolve().parent.parent
READMES = [REPO_ROOT / 'README.md']
#: Every document a user reads, whose commands must exist.
DOCS = READMES + [
    path
    for path in (
        REPO_ROOT / 'HOW_IT_WORKS.md',
        REPO_ROOT / 'API.md',
        REPO_ROOT / 'CHANGELOG.md',
        REPO_ROOT / 'examples' / 'basic' / 'README.md',
        REPO_ROOT / 'test_apps' / 'hotreload_test' / 'README.md',
    )
    if path.is_file()
]
EXAMPLE = REPO_ROOT / 'examples' / 'basic'
#: Where each file the README shows by name lives in examples/basic.
EXAMPLE_FILES = {
    'reloadable.h': EXAMPLE / 'components' / 'reloadable' / 'include' / 'reloadable.h',
    'reloadable.c': EXAMPLE / 'components' / 'reloadable' / 'reloadable.c',
    'CMakeLists.txt': EXAMPLE / 'components' / 'reloadable' / 'CMakeLists.txt',
}
#: idf.py's own commands the documents use (not ours to check), with how many arguments each takes.
IDF_CORE = {
    'build': 0,
    'flash': 0,
    'monitor': 0,
    'menuconfig': 0,
    'erase-flash': 0,
    'fullclean': 0,
    'reconfigure': 0,
    'qemu': 0,
    'set-target': 1,
    'add-dependency': 1,
}
#: idf.py's global options that take a value.
IDF_GLOBAL_WITH_VALUE = {'-p', '--port', '-b', '--baud', '-C', '--project-dir', '-B', '--build-dir', '--preset'}


@dataclass(frozen=True)
class Block:
    """One fenced code block of a README."""

    readme: Path
    line: int
    lang: str
    code: str
    label: str  # file name shown right before the block (**name**:), or ''

    @property
    def id(self) -> str:
        return f'{self.readme.name}:{self.line}'


def parse_blocks(readme: Path) -> list[Block]:
    """Every fenced block, with the file name a `**name**:` line just before it gives."""
    blocks: list[Block] = []
    lines = readme.read_text().splitlines()
    index = 0
    previous = ''
    while index < len(lines):
        fence = re.match(r'^(\s*)```(\w[\w+-]*)?\s*$', lines[index])
        if not fence:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not re.match(r'^\s*```\s*$', lines[index]):
            body.append(lines[index])
            index += 1
        label = re.fullmatch(r'\*\*([\w.-]+)\*\*:?', previous)
        blocks.append(
            Block(readme, start + 1, fence.group(2) or '', '\n'.join(body) + '\n', label.group(1) if label else '')
        )
        previous = ''
        index += 1
    return blocks


def inline_commands(doc: Path) -> list[Block]:
    """`hotreload ...` and `idf.py ...` written as inline code in the prose, each as a one-line shell block."""
    blocks: list[Block] = []
    in_fence = False
    for number, line in enumerate(doc.read_text().splitlines(), start=1):
        if line.lstrip().startswith('```'):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in re.finditer(r'`((?:hotreload|idf\.py) [^`]+)`', line):
            blocks.append(Block(doc, number, 'bash', match.group(1) + '\n', ''))
    return blocks


ALL_BLOCKS = [block for doc in DOCS for block in parse_blocks(doc)]
C_BLOCKS = [block for block in ALL_BLOCKS if block.lang == 'c' and block.readme in READMES]
SHELL_BLOCKS = [block for block in ALL_BLOCKS if block.lang in ('bash', 'sh', 'shell', 'console')]
SHELL_BLOCKS += [block for doc in DOCS for block in inline_commands(doc)]


def shell_commands(block: Block) -> list[list[str]]:
    """The simple commands of a shell block (continuations joined, split at && || ; |, comments dropped)."""
    text = re.sub(r'\\\n\s*', ' ', block.code)
    commands: list[list[str]] = []
    for line in text.splitlines():
        tokens = shlex.split(line, comments=True)
        current: list[str] = []
        for token in tokens:
            if token in ('&&', '||', ';', '|'):
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
        if current:
            commands.append(current)
    return commands


def _commands_of(program: str) -> list[tuple[Block, list[str]]]:
    return [(block, cmd[1:]) for block in SHELL_BLOCKS for cmd in shell_commands(block) if cmd and cmd[0] == program]


HOTRELOAD_COMMANDS = _commands_of('hotreload')
IDF_PY_COMMANDS = _commands_of('idf.py')


def _host_compiler() -> str:
    for cc in ('gcc', 'clang-22', 'clang'):
        if shutil.which(cc):
            return cc
    pytest.skip('no host C compiler (gcc or clang) on PATH')


def _labelled(readme: Path, name: str) -> Block | None:
    return next((b for b in ALL_BLOCKS if b.readme == readme and b.label == name), None)


def test_readme_has_the_fresh_machine_commands() -> None:
    """The two commands a newcomer runs first, exactly as the product promises them."""
    assert READMES, 'no README.md'
    for readme in READMES:
        text = readme.read_text()
        assert 'bash scripts/setup.sh && hotreload sim demo' in text, readme
        assert 'bash scripts/setup.sh && python3 -m pytest' in text, readme


@pytest.mark.parametrize('block', C_BLOCKS, ids=[block.id for block in C_BLOCKS])
def test_readme_c_sample_compiles(block: Block, tmp_path: Path) -> None:
    """Each C sample compiles as written, against the real public header and the README's own reloadable.h."""
    cc = _host_compiler()
    header = _labelled(block.readme, 'reloadable.h')
    if header is not None:
        (tmp_path / 'reloadable.h').write_text(header.code)
    name = block.label or f'sample_{block.line}.c'
    if name.endswith('.h'):
        (tmp_path / name).write_text(block.code)
        source = tmp_path / f'include_{block.line}.c'
        source.write_text(f'#include "{name}"\n#include "{name}"\n')
    else:
        source = tmp_path / name
        source.write_text(block.code)
    result = subprocess.run(
        [
            cc,
            '-std=gnu11',
            '-Wall',
            '-Wextra',
            '-Werror',
            '-c',
            str(source),
            '-o',
            str(tmp_path / 'out.o'),
            f'-I{tmp_path}',
            f'-I{REPO_ROOT / "include"}',
            f'-I{REPO_ROOT / "sim" / "platform" / "include"}',
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f'{block.id} does not compile:\n{block.code}\n{result.stderr}'


def _resolve(words: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """The click command the words name, the subcommand path, and the remaining arguments."""
    command: click.Command = cli_main
    path: list[str] = []
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith('-'):
        name = rest.pop(0)
        sub = command.get_command(click.Context(command), name)
        assert sub is not None, f'`hotreload {" ".join([*path, name])}` is not a command'
        command = sub
        path.append(name)
    return command, path, rest


def _option_names(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {'--help', '-h'}


@pytest.mark.parametrize(
    'block, words', HOTRELOAD_COMMANDS, ids=[f'{b.id}:{" ".join(w[:2])}' for b, w in HOTRELOAD_COMMANDS]
)
def test_readme_hotreload_command_exists(block: Block, words: list[str]) -> None:
    command, path, rest = _resolve(words)
    unknown = [w.split('=')[0] for w in rest if w.startswith('--') and w.split('=')[0] not in _option_names(command)]
    assert not unknown, f'{block.id}: `hotreload {" ".join(path)}` has no option {unknown}'
    executable = shutil.which('hotreload')
    args = [executable] if executable else [sys.executable, '-m', 'hotreload_py']
    result = subprocess.run([*args, *path, '--help'], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f'hotreload {" ".join(path)} --help exited {result.returncode}: {result.stderr}'


@pytest.mark.parametrize('block, words', IDF_PY_COMMANDS, ids=[f'{b.id}:{" ".join(w[:3])}' for b, w in IDF_PY_COMMANDS])
def test_readme_idf_py_action_exists(block: Block, words: list[str]) -> None:
    """Every idf.py word that is not idf.py's own is one of our actions, with options it declares."""
    actions = action_extensions({}, str(REPO_ROOT))['actions']
    current: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith('-'):
            if current is None:
                index += word in IDF_GLOBAL_WITH_VALUE
                continue
            options = actions[current].get('options', [])
            declared = {name for option in options for name in option['names']}
            assert word.split('=')[0] in declared, f'{block.id}: idf.py {current} has no option {word}'
            is_flag = any(option.get('is_flag') for option in options if word in option['names'])
            index += not is_flag and '=' not in word
            continue
        if word in IDF_CORE:
            index += IDF_CORE[word]
            current = None
            continue
        assert word in actions, f'{block.id}: `idf.py {word}` is neither an idf.py command nor one of ours'
        current = word


def _link_targets(doc: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in enumerate(doc.read_text().splitlines(), start=1):
        for target in re.findall(r'\]\(([^)\s]+)\)', line):
            if not re.match(r'[a-z]+:|#', target):
                links.append((number, target.split('#')[0]))
    return links


@pytest.mark.parametrize('doc', DOCS, ids=[str(path.relative_to(REPO_ROOT)) for path in DOCS])
def test_readme_relative_links_exist(doc: Path) -> None:
    """Links to files of the repository resolve."""
    base = doc.parent
    broken = [f'{doc.name}:{number}: {target}' for number, target in _link_targets(doc) if not (base / target).exists()]
    assert not broken, f'links to missing files: {broken}'


@pytest.mark.parametrize('readme', READMES, ids=[path.name for path in READMES])
def test_readme_files_match_examples_basic(readme: Path) -> None:
    """The component the README shows is the one examples/basic builds, byte for byte."""
    shown = {name: _labelled(readme, name) for name in EXAMPLE_FILES}
    for name, block in shown.items():
        assert block is not None, f'{readme.name} does not show {name}'
        assert block.code == EXAMPLE_FILES[name].read_text(), (
            f'{readme.name}: {name} differs from {EXAMPLE_FILES[name]}'
        )


@pytest.mark.parametrize('readme', READMES, ids=[path.name for path in READMES])
def test_readme_partition_line_matches_examples_basic(readme: Path) -> None:
    csv_blocks = [b for b in ALL_BLOCKS if b.readme == readme and b.lang == 'csv']
    assert csv_blocks, f'{readme.name} shows no partition table'
    example = (EXAMPLE / 'partitions.csv').read_text()
    for block in csv_blocks:
        rows = [line for line in block.code.splitlines() if line.startswith('hotreload')]
        assert rows, f'{block.id}: the partition table has no hotreload partition'
        for row in rows:
            assert row in example, f'{block.id}: {row!r} is not in examples/basic/partitions.csv'
