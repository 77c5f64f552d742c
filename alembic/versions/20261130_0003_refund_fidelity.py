"""refunds: the exact request body, YooKassa's cancellation reason, a flag for a person

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 12:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_reason', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attention', sqlmodel.sql.sqltypes.AutoString(length=250),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('attention')
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('request_body')
