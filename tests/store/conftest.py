from store.backends import blank_url, db, db_url, pg_schema_url

__all__ = ["blank_url", "db", "db_url", "pg_schema_url"]
