"""Without the `preview` extra (websockets), preview and serve stop with one line, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

# The interpreter as a user without `pip install 'b2bmail[preview]'` has it: websockets cannot
# be imported (a None in sys.modules makes `import websockets` raise ImportError).
WITHOUT_WEBSOCKETS = (
    "import sys; sys.modules['websockets'] = None; "
    "from b2bmail.cli import main; main(sys.argv[1:], prog_name='b2bmail')"
)


@pytest.mark.parametrize("command", ["preview", "serve"])
def test_preview_without_websockets_says_which_extra_to_install(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_WEBSOCKETS, command, "campaign.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "pip install 'b2bmail[preview]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_base_commands_do_not_need_websockets() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_WEBSOCKETS, "lint", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
