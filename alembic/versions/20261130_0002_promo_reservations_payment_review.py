"""promo reservations for YooKassa orders, payment review flag and last check

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 14:12:54.876258
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = 'fk_promo_redemptions_payment_id_payments'


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_note', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('review_reason', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('last_checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('promo_redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        # Every use recorded before this revision was a completed purchase.
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default='redeemed'))
        batch_op.create_index(batch_op.f('ix_promo_redemptions_payment_id'), ['payment_id'], unique=False)
        batch_op.create_foreign_key(FK_NAME, 'payments', ['payment_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('promo_redemptions', schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_promo_redemptions_payment_id'))
        batch_op.drop_column('status')
        batch_op.drop_column('payment_id')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('last_checked_at')
        batch_op.drop_column('review_reason')
        batch_op.drop_column('customer_note')
