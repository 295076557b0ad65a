"""The partition store (src/hr_store.c) over a file-backed partition with NOR-flash semantics.

Each command is a separate process, so every check after a write is also a
check that a restart finds what was committed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from runtime.cbuild import build_program, run

SECTOR = 4096
PART_SIZE = 64 * 1024


@pytest.fixture(scope='session')
def store_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_program('store_tool', ['src/hr_store.c'], tmp_path_factory.mktemp('store'))


@pytest.fixture(scope='session')
def partition_check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_program('partition_check', [], tmp_path_factory.mktemp('partition'))


class Store:
    def __init__(self, tool: Path, tmp: Path, size: int = PART_SIZE) -> None:
        self.tool = tool
        self.tmp = tmp
        self.part = tmp / 'part.bin'
        self.size = size
        self.count = 0

    def cmd(self, *args: str | Path, check: bool = True, fw: str | None = None, max_size: int | None = None) -> str:
        opts: list[str] = []
        if fw:
            opts += ['--fw', fw]
        if max_size:
            opts += ['--max', str(max_size)]
        return run(self.tool, self.part, str(self.size), *opts, *args, check=check)

    def module(self, size: int, seed: int = 0) -> Path:
        self.count += 1
        path = self.tmp / f'm{self.count}.bin'
        path.write_bytes(hashlib.sha256(str(seed).encode()).digest() * (size // 32) + os.urandom(size % 32))
        return path

    def write(self, name: str, module: Path, *extra: str, **kw: object) -> str:
        return self.cmd('write', name, module, *extra, **kw)  # type: ignore[arg-type]

    def listing(self, **kw: object) -> list[tuple[int, str, int, int, bool, str]]:
        out = self.cmd('list', **kw)  # type: ignore[arg-type]
        rows = []
        for line in out.splitlines():
            if line[:1].isdigit():
                seq, name, length, offset, live, sha = line.split()
                rows.append((int(seq), name, int(length), int(offset), live == '1', sha))
        return rows

    def read(self, name: str, **kw: object) -> bytes:
        out = self.tmp / 'out.bin'
        self.cmd('read', name, out, **kw)  # type: ignore[arg-type]
        return out.read_bytes()

    def live(self, **kw: object) -> dict[str, int]:
        return {name: seq for seq, name, _, _, live, _ in self.listing(**kw) if live}


@pytest.fixture
def store(store_tool: Path, tmp_path: Path) -> Store:
    return Store(store_tool, tmp_path)


def test_partition_file_behaves_like_esp_idf_flash(partition_check: Path, tmp_path: Path) -> None:
    out = run(partition_check, tmp_path / 'p.bin')
    assert 'FAIL' not in out
    assert out.count('pass') >= 20


def test_store_commit_reads_back_after_restart(store: Store) -> None:
    module = store.module(5000)
    assert 'ok seq=1' in store.write('reloadable', module)
    assert store.read('reloadable') == module.read_bytes()
    rows = store.listing()
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [(1, 'reloadable', 5000, True)]
    assert rows[0][5] == hashlib.sha256(module.read_bytes()).hexdigest()


@pytest.mark.parametrize('chunk', ['1', '7', '4096', '100000'])
def test_store_write_any_chunking_same_bytes(store: Store, chunk: str) -> None:
    module = store.module(9000, seed=3)
    store.write('reloadable', module, '--chunk', chunk)
    assert store.read('reloadable') == module.read_bytes()


def test_store_newest_committed_wins(store: Store) -> None:
    v1, v2, v3 = store.module(3000, 1), store.module(7000, 2), store.module(100, 3)
    store.write('reloadable', v1)
    store.write('reloadable', v2)
    assert store.read('reloadable') == v2.read_bytes()
    store.write('reloadable', v3)
    assert store.read('reloadable') == v3.read_bytes()
    assert store.live() == {'reloadable': 3}


@pytest.mark.parametrize('cut', [1, 255, 256, 4096 - 256, 4096, 6000, 8999])
def test_store_interrupted_upload_keeps_committed(store: Store, cut: int) -> None:
    v1, v2 = store.module(5000, 1), store.module(9000, 2)
    store.write('reloadable', v1)
    out = store.cmd('write', 'reloadable', v2, '--cut', str(cut), check=False)
    assert f'cut at {cut}' in out
    assert store.read('reloadable') == v1.read_bytes()
    assert store.live() == {'reloadable': 1}
    # The next upload after the crash works and wins.
    store.write('reloadable', v2)
    assert store.read('reloadable') == v2.read_bytes()


def test_store_complete_data_without_header_is_not_committed(store: Store) -> None:
    v1, v2 = store.module(5000, 1), store.module(9000, 2)
    store.write('reloadable', v1)
    store.cmd('write', 'reloadable', v2, '--cut', '9000', check=False)
    assert store.read('reloadable') == v1.read_bytes()


def test_store_digest_mismatch_refused(store: Store) -> None:
    v1, v2 = store.module(5000, 1), store.module(6000, 2)
    store.write('reloadable', v1)
    wrong = hashlib.sha256(b'something else').hexdigest()
    out = store.cmd('write', 'reloadable', v2, '--sha', wrong, check=False)
    assert 'error ESP_ERR_INVALID_CRC' in out
    assert store.read('reloadable') == v1.read_bytes()
    right = hashlib.sha256(v2.read_bytes()).hexdigest()
    assert 'ok' in store.write('reloadable', v2, '--sha', right)


def test_store_oversized_refused_up_front_and_while_streaming(store: Store) -> None:
    v1, big = store.module(1000, 1), store.module(20000, 2)
    store.write('reloadable', v1)
    out = store.cmd('write', 'reloadable', big, max_size=16384, check=False)
    assert 'error ESP_ERR_INVALID_SIZE' in out
    # No size announced (chunked transfer): refused when the data passes the limit.
    out = store.cmd('write', 'reloadable', big, '--hint', '0', max_size=16384, check=False)
    assert 'error ESP_ERR_INVALID_SIZE' in out
    # Announced small, sent big: refused too.
    out = store.cmd('write', 'reloadable', big, '--hint', '100', check=False)
    assert 'error ESP_ERR_INVALID_SIZE' in out
    assert store.read('reloadable', max_size=16384) == v1.read_bytes()


def test_store_module_larger_than_partition_refused(store_tool: Path, tmp_path: Path) -> None:
    small = Store(store_tool, tmp_path, size=2 * SECTOR)
    module = small.module(3 * SECTOR)
    out = small.cmd('write', 'reloadable', module, check=False)
    assert 'error ESP_ERR_INVALID_SIZE' in out


def test_store_empty_upload_refused(store: Store) -> None:
    empty = store.tmp / 'empty.bin'
    empty.write_bytes(b'')
    assert 'error ESP_ERR_INVALID_SIZE' in store.cmd('write', 'reloadable', empty, check=False)


def test_store_other_firmware_records_are_not_live(store: Store) -> None:
    fw_a, fw_b = 'aa' * 32, 'bb' * 32
    module = store.module(4000)
    store.write('reloadable', module, fw=fw_a)
    assert store.live(fw=fw_a) == {'reloadable': 1}
    assert store.live(fw=fw_b) == {}
    assert 'error ESP_ERR_NOT_FOUND' in store.cmd('read', 'reloadable', store.tmp / 'x', fw=fw_b, check=False)


def test_store_erases_only_sectors_the_upload_reaches(store: Store) -> None:
    pattern = bytes([0xA5]) * PART_SIZE
    store.part.write_bytes(pattern)
    module = store.module(5000)
    store.write('reloadable', module, '--hint', '0')
    image = store.part.read_bytes()
    touched = [s for s in range(PART_SIZE // SECTOR) if image[s * SECTOR : (s + 1) * SECTOR] != pattern[:SECTOR]]
    assert touched == [0, 1]


def test_store_damaged_newest_falls_back_to_previous(store: Store) -> None:
    v1, v2 = store.module(3000, 1), store.module(3000, 2)
    store.write('reloadable', v1)
    out = store.write('reloadable', v2)
    offset = int(out.split('offset=')[1].split()[0])
    image = bytearray(store.part.read_bytes())
    image[offset + 100] ^= 0x01
    store.part.write_bytes(bytes(image))
    assert store.read('reloadable') == v1.read_bytes()


def test_store_damaged_header_is_ignored(store: Store) -> None:
    v1, v2 = store.module(3000, 1), store.module(3000, 2)
    store.write('reloadable', v1)
    out = store.write('reloadable', v2)
    header = int(out.split('offset=')[1].split()[0]) - 256
    image = bytearray(store.part.read_bytes())
    image[header + 12] ^= 0x40  # length field: the header's own digest no longer matches
    store.part.write_bytes(bytes(image))
    assert store.read('reloadable') == v1.read_bytes()


def test_store_second_upload_while_one_is_open_refused(store: Store) -> None:
    assert 'error ESP_ERR_INVALID_STATE' in store.cmd('busy', check=False)


def test_store_many_uploads_of_two_components_never_lose_a_live_module(store: Store) -> None:
    latest: dict[str, bytes] = {}
    for i in range(24):
        name = 'alpha' if i % 3 else 'beta'
        module = store.module(3000 + 1500 * (i % 5), seed=i)
        store.write(name, module)
        latest[name] = module.read_bytes()
        for component, data in latest.items():
            assert store.read(component) == data, f'after upload {i}, {component} lost'
    assert set(store.live()) == {'alpha', 'beta'}


def test_store_full_partition_refuses_without_touching_live_modules(store_tool: Path, tmp_path: Path) -> None:
    small = Store(store_tool, tmp_path, size=4 * SECTOR)
    a, b = small.module(2 * SECTOR - 256, 1), small.module(2 * SECTOR - 256, 2)
    small.write('alpha', a)
    small.write('beta', b)
    out = small.cmd('write', 'alpha', small.module(100, 3), check=False)
    assert 'error ESP_ERR_INVALID_SIZE' in out
    assert small.read('alpha') == a.read_bytes()
    assert small.read('beta') == b.read_bytes()


def _header(seq: int, length: int, name: bytes, data_sha: bytes, firmware: bytes) -> bytes:
    """A record header as hr_store.c writes it (docs/CONTRACTS.md, "Partition store record")."""
    body = b'HRSLOT1\0' + seq.to_bytes(4, 'little') + length.to_bytes(4, 'little') + name.ljust(32, b'\0')[:32]
    body += data_sha + firmware
    return body + hashlib.sha256(body).digest()


def test_store_hostile_headers_are_ignored(store: Store) -> None:
    """Headers with a valid self-digest but impossible contents are skipped, never trusted (under ASan)."""
    firmware = bytes([0x11]) * 32
    good = os.urandom(3000)
    image = bytearray(os.urandom(PART_SIZE))
    image[0:144] = _header(5, len(good), b'reloadable', hashlib.sha256(good).digest(), firmware)
    image[256 : 256 + len(good)] = good
    hostile = [
        _header(9, PART_SIZE, b'reloadable', bytes(32), firmware),  # longer than the partition
        _header(9, 0xFFFFFFFF, b'reloadable', bytes(32), firmware),  # wraps
        _header(9, 0, b'reloadable', hashlib.sha256(b'').digest(), firmware),  # empty
        _header(9, 100, b'x' * 32, bytes(32), firmware),  # name without NUL
        _header(9, 100, b'reloadable', bytes(32), firmware),  # data digest wrong
    ]
    for i, header in enumerate(hostile, start=2):
        image[i * SECTOR : i * SECTOR + 144] = header
    store.part.write_bytes(bytes(image))
    assert store.read('reloadable') == good
    rows = store.listing()
    assert [(r[0], r[1]) for r in rows] == [(5, 'reloadable')]
    # The next upload gets a sequence number above every valid record and wins.
    newer = store.module(2000, seed=9)
    assert 'ok seq=6' in store.write('reloadable', newer)
    assert store.read('reloadable') == newer.read_bytes()
