"""Alembic environment: runs on the connection it is handed, or opens its own (async)."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from outsourcing_crawler.db.engine import create_engine
from outsourcing_crawler.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    # `migrate()` hands over the connection that holds the migration lock.
    run_on(shared)
else:
    asyncio.run(run_online())
