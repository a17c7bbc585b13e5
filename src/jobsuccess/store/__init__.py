"""The durable side of jobsuccess: a ledger of records, snapshots of scores, API keys.

SQLAlchemy 2 (Core) over an embedded SQLite file by default or PostgreSQL by URL, with the
Alembic migrations shipped in this package (`jobsuccess.store.migrations`). Modules:

* `db`: URLs, per-backend connection settings, migrations (`open_database`).
* `records`: the record kinds a sender appends, their validation and ids.
* `ledger`: append (all or nothing, idempotent by id) and fold back into a `History`.
* `importer`: a history file into the ledger, in resumable chunks.
* `snapshots`: the scheduled computation, stored per computation date.
* `keys`: the service's API keys, stored hashed (operator keys may be reviewers).
* `actions`: operator actions into the ledger, one path for every decision (a confirmed
  harsh rater included).
* `appeals`: appeals and reports decided by people, with their append-only audit.
"""

from jobsuccess.store.db import DEFAULT_URL, Database, open_database, resolve_url
from jobsuccess.store.ledger import ConflictError, UnknownContractError

__all__ = [
    "DEFAULT_URL",
    "ConflictError",
    "Database",
    "UnknownContractError",
    "open_database",
    "resolve_url",
]
