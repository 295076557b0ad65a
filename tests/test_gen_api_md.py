"""scripts/gen_api_md.py: Doxygen comments of a header become API.md."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / 'scripts' / 'gen_api_md.py'

SAMPLE = r"""/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 */
/**
 * @file sample.h
 * @brief A sample header.
 *
 * Longer text about it.
 */
#pragma once

/** @name Error codes
 * @{
 */
#define SAMPLE_ERR_BASE  0x100          /*!< first code */
#define SAMPLE_ERR_OOPS  (SAMPLE_ERR_BASE + 1)  /*!< it went wrong */
/** @} */

/** Modes of the sample. */
typedef enum {
    /** The first mode. */
    SAMPLE_MODE_A = 0,
    SAMPLE_MODE_B,   /*!< the second mode */
} sample_mode_t;

/** Settings of sample_run(). */
typedef struct {
    int count;          /*!< how many */
    const char *label;  /*!< shown in logs | with a pipe */
} sample_config_t;

/** @cond */
#if defined(CONFIG_SAMPLE_HIDDEN)
#define SAMPLE_HIDDEN 1
#endif
/** @endcond */

/** Default settings. */
#define SAMPLE_CONFIG_DEFAULT() { \
    .count = 1,                   \
    .label = NULL,                \
}

/**
 * @brief Called for each item.
 * @param item the item
 */
typedef int (*sample_cb_t)(int item);

/**
 * @brief Run the sample on @p config.
 *
 * It runs.
 *
 * @param config settings; NULL means SAMPLE_CONFIG_DEFAULT()
 * @param[out] result where the result goes
 * @return
 *     - ESP_OK: done
 *     - ESP_ERR_INVALID_ARG: result is NULL
 * @note Not from an ISR.
 * @warning Slow.
 * @code
 * int r;
 * sample_run(NULL, &r);
 * @endcode
 */
int sample_run(const sample_config_t *config,
               int *result);
"""


@pytest.fixture(scope='module')
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location('gen_api_md', SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules['gen_api_md'] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def sample_md(gen: ModuleType) -> str:
    file_doc, items = gen.parse_header(SAMPLE)
    return str(gen.render('sample.h', file_doc, items))


def test_gen_api_md_renders_function_with_params_returns_notes_code(sample_md: str) -> None:
    section = sample_md[sample_md.index('### sample_run') :]
    assert 'int sample_run(const sample_config_t *config, int *result);' in section
    assert 'Run the sample on `config`.' in section
    assert '- `config`: settings; `NULL` means `SAMPLE_CONFIG_DEFAULT()`' in section
    assert '- `result`: where the result goes' in section
    assert '- `ESP_OK`: done' in section
    assert '- `ESP_ERR_INVALID_ARG`: result is `NULL`' in section
    assert '> **Note:** Not from an ISR.' in section
    assert '> **Warning:** Slow.' in section
    assert '```c\nint r;\nsample_run(NULL, &r);\n```' in section


def test_gen_api_md_renders_summary_table(sample_md: str) -> None:
    assert '| [`sample_run()`](#sample_run) | Run the sample on `config`. |' in sample_md


def test_gen_api_md_renders_struct_members_and_escapes_pipes(sample_md: str) -> None:
    assert '| `int count` | how many |' in sample_md
    assert '| `const char *label` | shown in logs \\| with a pipe |' in sample_md


def test_gen_api_md_renders_enumerators_documented_before_and_after(sample_md: str) -> None:
    assert '| `SAMPLE_MODE_A = 0` | The first mode. |' in sample_md
    assert '| `SAMPLE_MODE_B` | the second mode |' in sample_md


def test_gen_api_md_renders_macros_typedefs_and_groups(sample_md: str) -> None:
    assert '#define SAMPLE_CONFIG_DEFAULT() { \\\n    .count = 1,' in sample_md
    assert 'typedef int (*sample_cb_t)(int item);' in sample_md
    assert '| `SAMPLE_ERR_OOPS` | `(SAMPLE_ERR_BASE + 1)` | it went wrong |' in sample_md
    assert 'A sample header.\n\nLonger text about it.' in sample_md


def test_gen_api_md_hides_cond_sections(sample_md: str) -> None:
    assert 'SAMPLE_HIDDEN' not in sample_md
    assert '### SAMPLE_CONFIG_DEFAULT' in sample_md


def test_gen_api_md_undocumentable_block_fails_naming_it(gen: ModuleType) -> None:
    with pytest.raises(gen.ApiDocError, match='not followed by a declaration'):
        gen.parse_header('/** dangling */\n')


def test_gen_api_md_documents_every_public_function(gen: ModuleType) -> None:
    header = (REPO_ROOT / 'include' / 'hotreload.h').read_text()
    code = re.sub(r'/\*.*?\*/|//[^\n]*', '', header, flags=re.DOTALL)
    declared = set(re.findall(r'^[\w ]+?\*?\s*\b(hotreload_\w+)\s*\(', code, re.MULTILINE))
    _, items = gen.parse_header(header)
    documented = {item.name for item in items if item.kind == 'function'}
    assert declared, 'found no functions in include/hotreload.h'
    assert declared == documented, f'undocumented or missed: {sorted(declared ^ documented)}'


def test_gen_api_md_check_fails_on_stale_output(tmp_path: Path) -> None:
    stale = tmp_path / 'API.md'
    stale.write_text('# old\n')
    result = subprocess.run(
        [sys.executable, str(SCRIPT), '--check', '--output', str(stale)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert 'out of date' in result.stderr
    written = subprocess.run([sys.executable, str(SCRIPT), '--output', str(stale)], check=False)
    assert written.returncode == 0
    again = subprocess.run([sys.executable, str(SCRIPT), '--check', '--output', str(stale)], check=False)
    assert again.returncode == 0


def test_gen_api_md_api_md_is_up_to_date() -> None:
    """API.md says what include/hotreload.h says; after editing the header, run python3 scripts/gen_api_md.py."""
    result = subprocess.run([sys.executable, str(SCRIPT), '--check'], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
