"""Reading and writing histories: the JSON format and the table format (CSV or Parquet).

Every input goes through one validation layer (`jobsuccess.io.checks`) and comes out as a
sorted `jobsuccess.model.History`; every bad input raises `jobsuccess.errors.InputError`
naming the file, record and field. Writers are atomic and deterministic.
"""

from jobsuccess.io.jsonfmt import dump_json, history_to_json
from jobsuccess.io.loader import load
from jobsuccess.io.tables import TableFormat, write_tables

__all__ = ["TableFormat", "dump_json", "history_to_json", "load", "write_tables"]
