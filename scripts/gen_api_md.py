#!/usr/bin/env python3
"""Generate API.md from the Doxygen comments of include/hotreload.h.

Usage:
    python3 scripts/gen_api_md.py            # rewrite API.md
    python3 scripts/gen_api_md.py --check    # exit 1 if API.md is out of date

Reads the subset of Doxygen the public header uses: a documentation block
(`/** ... */`) before a function, typedef, structure, enumeration or macro;
`/*!< ... */` after a member, enumerator or macro; `@brief`, `@param`,
`@return`/`@retval` lists, `@note`, `@warning`, `@code`/`@endcode`, `@name`
groups, and `@cond`/`@endcond` (hidden). Anything else in a block is kept as text, so nothing written
in the header is lost. No Doxygen installation is needed.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HEADER = REPO_ROOT / 'include' / 'hotreload.h'
OUTPUT = REPO_ROOT / 'API.md'

_DOC_BLOCK = re.compile(r'/\*\*(?![*<])(.*?)\*/', re.DOTALL)
_TRAILING_DOC = re.compile(r'/\*!<(.*?)\*/', re.DOTALL)
_ANY_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.DOTALL)


class ApiDocError(Exception):
    """The header holds something this generator cannot document; the message says where."""


@dataclass
class Doc:
    """A parsed documentation block."""

    brief: str = ''
    details: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)


@dataclass
class Member:
    """A structure member, enumerator or grouped macro with its one-line documentation."""

    declaration: str
    doc: str


@dataclass
class Item:
    """One documented declaration of the header."""

    kind: str  # 'function', 'struct', 'enum', 'typedef', 'macro'
    name: str
    declaration: str
    doc: Doc
    members: list[Member] = field(default_factory=list)
    group: str = ''


def _comment_lines(body: str) -> list[str]:
    lines = []
    for raw in body.splitlines():
        line = raw.rstrip()
        stripped = line.lstrip()
        if stripped.startswith('*'):
            stripped = stripped[1:]
            if stripped.startswith(' '):
                stripped = stripped[1:]
            line = stripped
        else:
            line = stripped
        lines.append(line)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _join(lines: list[str]) -> str:
    return ' '.join(part.strip() for part in lines if part.strip())


def parse_doc(body: str) -> Doc:
    """Parse the text of one `/** ... */` block."""
    doc = Doc()
    section = 'details'
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        nonlocal paragraph
        text = _join(paragraph)
        paragraph = []
        if not text:
            return
        if section == 'brief':
            doc.brief = f'{doc.brief} {text}'.strip()
        elif section == 'details':
            if not doc.brief:
                doc.brief = text
            else:
                doc.details.append(text)
        elif section == 'param':
            name, desc = doc.params[-1]
            doc.params[-1] = (name, f'{desc} {text}'.strip())
        elif section == 'return':
            doc.returns.append(text)
        elif section == 'note':
            doc.notes.append(text)
        elif section == 'warning':
            doc.warnings.append(text)

    for line in _comment_lines(body):
        stripped = line.strip()
        if in_code:
            if stripped.startswith('@endcode'):
                in_code = False
            else:
                doc.code.append(line)
            continue
        if stripped.startswith('@code'):
            flush()
            in_code = True
            continue
        command = re.match(r'@(\w+)\s*(.*)', stripped)
        if command:
            flush()
            name, rest = command.group(1), command.group(2)
            if name == 'brief':
                section = 'brief'
                paragraph = [rest]
            elif name == 'param':
                param = re.match(r'(?:\[[^\]]*\]\s*)?(\w+)\s*(.*)', rest)
                if not param:
                    raise ApiDocError(f'@param without a name: {stripped!r}')
                doc.params.append((param.group(1), ''))
                section = 'param'
                paragraph = [param.group(2)]
            elif name in ('return', 'returns'):
                section = 'return'
                paragraph = [rest]
            elif name == 'retval':
                section = 'return'
                paragraph = [rest]
            elif name in ('note', 'warning'):
                section = name
                paragraph = [rest]
            elif name in ('file', 'name', '{', '}'):
                section = 'details'
            else:
                section = 'details'
                paragraph = [stripped]
            continue
        if not stripped:
            flush()
            if section in ('brief', 'param'):
                section = 'details'
            continue
        if stripped.startswith('- ') and section in ('return', 'details', 'note'):
            flush()
            paragraph = [stripped[2:]]
            if section == 'details':
                paragraph = [stripped]
            continue
        paragraph.append(stripped)
    flush()
    return doc


def _strip_comments(text: str) -> str:
    return _ANY_COMMENT.sub('', text)


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == '{':
            depth += 1
        elif text[index] == '}':
            depth -= 1
            if depth == 0:
                return index
    raise ApiDocError(f'unbalanced braces after offset {start}')


def _macro_end(text: str, start: int) -> int:
    index = start
    while True:
        newline = text.find('\n', index)
        if newline == -1:
            return len(text)
        if text[newline - 1] != '\\':
            return newline
        index = newline + 1


def _members(body: str) -> list[Member]:
    """Members or enumerators of a `{ ... }` body, each with its documentation."""
    members: list[Member] = []
    pending_doc = ''
    pos = 0
    token = re.compile(r'/\*\*(?![*<])(.*?)\*/|/\*!<(.*?)\*/|([^;,/]+[;,]|[^;,/]+$)', re.DOTALL)
    for match in token.finditer(body, pos):
        before_doc, trailing_doc, declaration = match.groups()
        if before_doc is not None:
            pending_doc = _join([parse_doc(before_doc).brief, *parse_doc(before_doc).details])
        elif trailing_doc is not None:
            if members and not members[-1].doc:
                members[-1].doc = _join(_comment_lines(trailing_doc))
        elif declaration is not None and declaration.strip(' \n\t;,'):
            members.append(Member(' '.join(declaration.strip(' \n\t;,').split()), pending_doc))
            pending_doc = ''
    return members


def _declaration_at(text: str, start: int) -> tuple[str, int]:
    """The declaration that starts at @p start (skipping whitespace) and the offset after it."""
    match = re.compile(r'\s*').match(text, start)
    assert match is not None
    begin = match.end()
    if text.startswith('#define', begin):
        return text[begin : _macro_end(text, begin)], _macro_end(text, begin)
    brace = text.find('{', begin)
    semicolon = text.find(';', begin)
    if semicolon == -1:
        raise ApiDocError(f'documentation block at offset {start} is not followed by a declaration')
    if brace != -1 and brace < semicolon:
        close = _matching_brace(text, brace)
        end = text.find(';', close)
        return text[begin : end + 1], end + 1
    return text[begin : semicolon + 1], semicolon + 1


def _classify(declaration: str) -> tuple[str, str]:
    code = _strip_comments(declaration)
    if code.startswith('#define'):
        name = re.match(r'#define\s+(\w+)', code)
        assert name is not None
        return 'macro', name.group(1)
    flat = ' '.join(code.split())
    if flat.startswith('typedef struct') or flat.startswith('typedef enum'):
        name = re.search(r'}\s*(\w+)\s*;$', flat)
        if not name:
            raise ApiDocError(f'cannot find the name of {flat[:60]!r}')
        return ('struct' if flat.startswith('typedef struct') else 'enum'), name.group(1)
    if flat.startswith('typedef'):
        named = re.search(r'\(\s*\*\s*(\w+)\s*\)', flat) or re.search(r'(\w+)\s*;$', flat)
        if not named:
            raise ApiDocError(f'cannot find the name of {flat[:60]!r}')
        return 'typedef', named.group(1)
    function = re.search(r'(\w+)\s*\([^()]*\)\s*;$', flat)
    if function:
        return 'function', function.group(1)
    raise ApiDocError(f'cannot tell what {flat[:60]!r} declares')


def _clean_declaration(kind: str, declaration: str) -> str:
    if kind == 'macro':
        return '\n'.join(line.rstrip() for line in _strip_comments(declaration).splitlines())
    code = _strip_comments(declaration)
    lines = [line.rstrip() for line in code.splitlines() if line.strip()]
    if kind in ('function', 'typedef'):
        return ' '.join(' '.join(lines).split())
    return '\n'.join(lines)


def parse_header(text: str) -> tuple[Doc, list[Item]]:
    """The file's own documentation and every documented declaration, in header order."""
    file_doc = Doc()
    items: list[Item] = []
    group = ''
    consumed_until = 0
    for match in _DOC_BLOCK.finditer(text):
        if match.start() < consumed_until:
            continue
        body = match.group(1)
        if body.strip() == '@cond':
            # Doxygen hides everything up to the matching @endcond; so does API.md.
            end = text.find('@endcond', match.end())
            if end == -1:
                raise ApiDocError('@cond has no matching @endcond')
            consumed_until = end
            continue
        if body.strip() == '@endcond':
            continue
        if '@file' in body:
            file_doc = parse_doc(body)
            continue
        name_match = re.search(r'@name\s+(.+)', body)
        if name_match:
            group = name_match.group(1).strip()
            group_end = text.find('@}', match.end())
            if group_end == -1:
                raise ApiDocError(f'@name {group!r} has no closing @}}')
            members = []
            for line in text[match.end() : group_end].splitlines():
                macro = re.match(r'\s*#define\s+(\w+(?:\([^)]*\))?)\s*(.*?)\s*/\*!<(.*?)\*/', line)
                if macro:
                    members.append(Member(f'{macro.group(1)} {macro.group(2)}'.strip(), macro.group(3).strip()))
            items.append(Item('group', group, '', Doc(brief=group), members))
            consumed_until = group_end
            continue
        if body.strip().startswith('@}'):
            continue
        declaration, end = _declaration_at(text, match.end())
        if declaration.startswith('#ifdef') or declaration.startswith('#pragma'):
            continue
        kind, name = _classify(declaration)
        item = Item(kind, name, _clean_declaration(kind, declaration), parse_doc(body))
        if kind in ('struct', 'enum'):
            inner = declaration[declaration.find('{') + 1 : declaration.rfind('}')]
            item.members = _members(inner)
        elif kind == 'macro':
            trailing = _TRAILING_DOC.search(declaration)
            if trailing:
                item.doc.brief = item.doc.brief or _join(_comment_lines(trailing.group(1)))
        items.append(item)
        consumed_until = end
    return file_doc, items


_CODE_WORD = re.compile(r'\b(?:\w+\(\)|(?:ESP|CONFIG|HOTRELOAD|MALLOC)_[A-Z0-9_]+|NULL)')


def inline(text: str) -> str:
    """Doxygen inline markup to Markdown: `@p x`/`@c x` and API names become code spans."""
    text = re.sub(r'[@\\](?:p|c|ref|a)\s+(\w+(?:\(\))?)', r'`\1`', text)
    parts = text.split('`')
    for index in range(0, len(parts), 2):
        parts[index] = _CODE_WORD.sub(lambda match: f'`{match.group(0)}`', parts[index])
    return '`'.join(parts)


def _escape_cell(text: str) -> str:
    return text.replace('|', '\\|')


def _render_doc(doc: Doc, out: list[str]) -> None:
    if doc.brief:
        out += [inline(doc.brief), '']
    for paragraph in doc.details:
        out += [inline(paragraph), '']
    if doc.params:
        out += ['**Parameters**', '']
        out += [f'- `{name}`: {inline(desc)}' for name, desc in doc.params]
        out.append('')
    if doc.returns:
        out += ['**Returns**', '']
        out += [f'- {inline(entry)}' for entry in doc.returns]
        out.append('')
    for note in doc.notes:
        out += [f'> **Note:** {inline(note)}', '']
    for warning in doc.warnings:
        out += [f'> **Warning:** {inline(warning)}', '']
    if doc.code:
        out += ['```c', *doc.code, '```', '']


_SECTIONS = (
    ('function', 'Functions'),
    ('struct', 'Structures'),
    ('enum', 'Enumerations'),
    ('typedef', 'Type definitions'),
    ('macro', 'Macros'),
    ('group', 'Constants'),
)


def render(header_name: str, file_doc: Doc, items: list[Item]) -> str:
    """API.md for the parsed header."""
    out = [
        '# API reference',
        '',
        f'<!-- Generated by scripts/gen_api_md.py from include/{header_name}; do not edit. -->',
        '',
        f'Header: `#include "{header_name}"`',
        '',
    ]
    _render_doc(file_doc, out)
    functions = [item for item in items if item.kind == 'function']
    if functions:
        out += ['## Summary', '', '| function | what it does |', '| --- | --- |']
        out += [f'| [`{f.name}()`](#{f.name.lower()}) | {_escape_cell(inline(f.doc.brief))} |' for f in functions]
        out.append('')
    for kind, title in _SECTIONS:
        chosen = [item for item in items if item.kind == kind]
        if not chosen:
            continue
        out += [f'## {title}', '']
        for item in chosen:
            if kind == 'group':
                out += [f'### {item.name}', '', '| name | value | description |', '| --- | --- | --- |']
                for member in item.members:
                    name, _, value = member.declaration.partition(' ')
                    out.append(f'| `{name}` | `{_escape_cell(value)}` | {_escape_cell(inline(member.doc))} |')
                out.append('')
                continue
            out += [f'### {item.name}', '', '```c', item.declaration, '```', '']
            _render_doc(item.doc, out)
            if item.members:
                label = 'enumerator' if kind == 'enum' else 'member'
                out += [f'| {label} | description |', '| --- | --- |']
                out += [f'| `{_escape_cell(m.declaration)}` | {_escape_cell(inline(m.doc))} |' for m in item.members]
                out.append('')
    while out and not out[-1]:
        out.pop()
    return '\n'.join(out) + '\n'


def generate(header: Path = HEADER) -> str:
    """API.md text for @p header."""
    file_doc, items = parse_header(header.read_text())
    return render(header.name, file_doc, items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--check', action='store_true', help='exit 1 if API.md differs from what would be generated')
    parser.add_argument('--header', type=Path, default=HEADER, help='header to document (default: include/hotreload.h)')
    parser.add_argument('--output', type=Path, default=OUTPUT, help='file to write (default: API.md)')
    args = parser.parse_args(argv)
    try:
        text = generate(args.header)
    except (ApiDocError, OSError) as err:
        print(f'error: {args.header}: {err}', file=sys.stderr)
        return 1
    if args.check:
        current = args.output.read_text() if args.output.is_file() else ''
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), str(args.output), 'generated', lineterm=''
            )
            print('\n'.join(diff))
            print(f'error: {args.output} is out of date: run python3 scripts/gen_api_md.py', file=sys.stderr)
            return 1
        return 0
    if not args.output.is_file() or args.output.read_text() != text:
        args.output.write_text(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
