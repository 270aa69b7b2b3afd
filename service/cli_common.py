"""What every `custom-fields` command shares: JSON on stdout, and the refusal that is
one line on stderr and exit 1."""

import json
import sys
from typing import Any


class CommandFailed(Exception):
    """Bad input the CLI itself refuses: one line on stderr, exit 1."""


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
