"""The guides in docs/ are true: every ```python block in them runs.

Each guide's python blocks run in order as one script (later blocks use what earlier ones
defined), in a fresh interpreter and an empty working folder, so the files a guide saves land
there. ```sh / ```cpp blocks are commands and code for the reader (building, installing, C++),
not run here. A guide that needs an optional extra skips when it is missing.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDES = [DOCS / "getting-started.md", *sorted((DOCS / "guides").glob("*.md"))]
# guide file name -> the modules its code needs beyond nerve and numpy (an optional extra)
EXTRAS = {"onnx.md": ["onnx", "onnxruntime"]}
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path) -> list:
    """(first line number, code) of each ```python block in a markdown file."""
    text = path.read_text()
    return [(text[: m.start(1)].count("\n") + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_every_guide_has_code():
    names = {p.name for p in GUIDES}
    expected = {"getting-started.md", "layers-and-models.md", "training.md", "saving.md"}
    expected |= {"cpp-inference.md", "onnx.md", "performance.md"}
    assert expected <= names, f"missing guides: {sorted(expected - names)}"
    for guide in GUIDES:
        assert python_blocks(guide), f"{guide.name} has no python block"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_guide_code_runs(guide, tmp_path):
    for module in EXTRAS.get(guide.name, []):
        pytest.importorskip(module, reason=f"{guide.name} needs {module}")
    # One script; each block starts at its own line number in the guide so a traceback's line
    # is the guide's line.
    lines = []
    for first_line, code in python_blocks(guide):
        lines += [""] * (first_line - 1 - len(lines))
        lines += code.splitlines()
    script = tmp_path / f"guide_{guide.stem.replace('-', '_')}.py"
    script.write_text("\n".join(lines) + "\n")
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{guide.name}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
