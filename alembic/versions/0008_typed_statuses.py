"""typed statuses: CHECK constraints on status/role/kind columns, licenses.suspended_by

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 18:00:00.000000

The value sets are spelled out here (not imported from the models): a migration describes the
schema as it was at this revision, whatever the code says later.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An admin suspension was recognised by this prefix in licenses.status_reason until now.
ADMIN_SUSPENSION_PREFIX = 'Приостановлена администратором: '

CHECKS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ('users', 'role', ('customer', 'admin'), False),
    ('licenses', 'status', ('active', 'expired', 'suspended'), False),
    ('licenses', 'suspended_by', ('admin', 'billing'), True),
    ('ledger_entries', 'kind', ('topup', 'purchase', 'renewal', 'refund', 'adjustment'), False),
    ('payments', 'status',
     ('new', 'pending', 'waiting_for_capture', 'succeeded', 'canceled', 'failed'), False),
    ('refunds', 'status', ('new', 'pending', 'succeeded', 'canceled'), False),
    ('tickets', 'status', ('open', 'in_progress', 'closed'), False),
    ('tickets', 'category', ('technical', 'billing', 'general', 'license', 'other'), False),
    ('tickets', 'priority', ('low', 'medium', 'high'), False),
    ('outbox_emails', 'status', ('pending', 'sent', 'failed'), False),
)


def _condition(column: str, values: tuple[str, ...], nullable: bool) -> str:
    sql = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f'{column} IS NULL OR {sql}' if nullable else sql


def _tables() -> list[str]:
    return list(dict.fromkeys(table for table, _column, _values, _nullable in CHECKS))


def upgrade() -> None:
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_by', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=True))
    licenses = sa.table('licenses', sa.column('status', sa.String), sa.column('status_reason', sa.String),
                        sa.column('suspended_by', sa.String))
    op.execute(licenses.update()
               .where(licenses.c.status == 'suspended',
                      licenses.c.status_reason.like(ADMIN_SUSPENSION_PREFIX + '%'))
               .values(suspended_by='admin'))
    op.execute(licenses.update()
               .where(licenses.c.status == 'suspended', licenses.c.suspended_by.is_(None))
               .values(suspended_by='billing'))
    # One batch per table: on SQLite a batch copies the table, and must carry all its checks.
    for table in _tables():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, values, nullable in CHECKS:
                if name == table:
                    batch_op.create_check_constraint(f'ck_{table}_{column}',
                                                     _condition(column, values, nullable))


def downgrade() -> None:
    for table in _tables():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, _values, _nullable in CHECKS:
                if name == table:
                    batch_op.drop_constraint(f'ck_{table}_{column}', type_='check')
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.drop_column('suspended_by')
