"""Loading: a path in, a validated `History` out, whatever the format."""

from __future__ import annotations

import os
from pathlib import Path

from jobsuccess.errors import InputError
from jobsuccess.io.checks import validate
from jobsuccess.io.jsonfmt import read_json
from jobsuccess.io.tables import read_tables
from jobsuccess.model import History


def load(path: str | os.PathLike[str]) -> History:
    """Load a history: a ``.json`` file (object or array) or a folder of tables.

    Raises `InputError` naming the file, record and field of the first problems found.
    """
    p = Path(path)
    if p.is_dir():
        return validate(read_tables(p), ids_per_freelancer=False)
    if not p.exists():
        raise InputError("no such file or folder", file=str(p))
    if p.suffix.lower() != ".json":
        raise InputError("expected a .json file or a folder of tables", file=str(p))
    return validate(read_json(p), ids_per_freelancer=True)
