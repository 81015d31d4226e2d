"""Sessions and tokens: token expiry, session epochs, the authentication log.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Tokens minted before expiry existed get the default lifetime from now, not eternity.
EXISTING_TOKEN_DAYS = 30

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION auth_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'auth_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER auth_events_append_only BEFORE UPDATE OR DELETE ON auth_events
    FOR EACH ROW EXECUTE FUNCTION auth_events_append_only();
CREATE TRIGGER auth_events_no_truncate BEFORE TRUNCATE ON auth_events
    FOR EACH STATEMENT EXECUTE FUNCTION auth_events_append_only();
"""
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER auth_events_no_update BEFORE UPDATE ON auth_events
       BEGIN SELECT RAISE(ABORT, 'auth_events is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER auth_events_no_delete BEFORE DELETE ON auth_events
       BEGIN SELECT RAISE(ABORT, 'auth_events is append-only: DELETE refused'); END""",
]


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime()))
    from datetime import UTC, datetime, timedelta
    until = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=EXISTING_TOKEN_DAYS)
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=until))

    op.create_table(
        'auth_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=300), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_events')),
    )
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.create_index('ix_auth_events_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_auth_events_username_at', ['username', 'at'], unique=False)
        batch_op.create_index('ix_auth_events_address_at', ['address', 'at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    else:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS auth_events_no_truncate ON auth_events")
        op.execute("DROP TRIGGER IF EXISTS auth_events_append_only ON auth_events")
        op.execute("DROP FUNCTION IF EXISTS auth_events_append_only()")
    op.drop_table('auth_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('session_epoch')
