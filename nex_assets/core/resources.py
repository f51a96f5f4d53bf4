"""Resources shared by every domain."""

import dagster as dg

from nex_assets.core import db as nexdb
from nex_assets.core import env


class WarehouseResource(dg.ConfigurableResource):
    """The platform's PostgreSQL. Without ``database_url`` it follows NEX_DATABASE_URL or the
    embedded server, so credentials stay in the environment and out of run config."""

    database_url: str | None = None

    def database(self) -> env.Database:
        db = env.parse_database_url(self.database_url) if self.database_url else env.database()
        return nexdb.bootstrap(db)

    def connect(self, **kwargs):
        return nexdb.connect(self.database(), **kwargs)
