"""The API reference's examples run as written (docs/api.md)."""

from __future__ import annotations

import os
import re

from conftest import ROOT


def test_api_reference_examples_run(capsys):
    text = (ROOT / "docs" / "api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 4
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT)  # the examples load scenarios/ by a relative path, as a user in the repository would
    try:
        for block in blocks:
            exec(compile(block, "docs/api.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "optimal" in out and "P(loss)" in out and "awareness" in out
