from service.fixtures import service, shared_service
from store.backends import db, db_url, pg_schema_url

__all__ = ["db", "db_url", "pg_schema_url", "service", "shared_service"]
