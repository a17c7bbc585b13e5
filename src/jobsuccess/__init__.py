"""jobsuccess: exact, explainable job success scores for freelance marketplaces.

The public API; everything else is private to its module.
"""

from jobsuccess.engine import Scores, score, score_batch
from jobsuccess.errors import InputError
from jobsuccess.io import dump_json, load, write_tables
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook, load_policy, read_policy
from jobsuccess.report import score_json
from jobsuccess.subjects import for_agencies

__all__ = [
    "History",
    "InputError",
    "Policy",
    "PolicyBook",
    "Scores",
    "dump_json",
    "for_agencies",
    "load",
    "load_policy",
    "read_policy",
    "score",
    "score_batch",
    "score_json",
    "write_tables",
]
