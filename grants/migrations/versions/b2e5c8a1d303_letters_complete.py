"""letters that hold every part: the signer's function, the addressee, the contact line

Revision ID: b2e5c8a1d303
Revises: b2e5c8a1d302
Create Date: 2026-12-21 12:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "b2e5c8a1d303"
down_revision = "b2e5c8a1d302"
branch_labels = None
depends_on = None

# A frozen copy of grants.seed.LETTER_DATA as it stood when this migration was written (the
# seed's copy may change later; a migration must not). Filled only where still empty.
LETTER_DATA = {
    "sectorplan": {
        "statutory_basis": "de Kaderwet SZW-subsidies",
        "articles": {"application": "artikel 1.5", "grant": "artikel 1.2",
                     "eligibility": "artikel 1.3", "ceiling": "artikel 1.4",
                     "settlement": "artikel 1.11", "amendment": "artikel 1.11",
                     "decision_term": "artikel 1.6"},
        "contact": {"name": "Agentschap SZW, team Sectorplannen", "phone": "070 333 44 44",
                    "email": "sectorplannen@minszw.nl"},
    },
    "praktijkleren": {
        "statutory_basis": ("artikel 2.7 van de Wet educatie en beroepsonderwijs en de "
                            "artikelen 4 en 10 van de Wet overige OCW-subsidies"),
        "articles": {"application": "artikel 5", "settlement": "artikel 4",
                     "eligibility": "artikel 3", "ceiling": "artikel 4",
                     "decision_term": "artikel 6"},
        "contact": {"name": "Rijksdienst voor Ondernemend Nederland, team Praktijkleren",
                    "phone": "088 042 42 42", "email": "praktijkleren@rvo.nl"},
    },
    "rif": {
        "statutory_basis": ("de Wet overige OCW-subsidies en artikel 2.2.3, tweede lid, van de "
                            "Wet educatie en beroepsonderwijs"),
        "articles": {"application": "artikel 8", "grant": "artikel 5",
                     "eligibility": "artikel 9", "ceiling": "artikel 4, derde lid",
                     "committee": "artikel 19", "ranking": "artikel 20", "settlement": "artikel 25",
                     "amendment": "artikel 23", "decision_term": "artikel 21"},
        "contact": {"name": "DUS-I, team Regionaal investeringsfonds mbo",
                    "phone": "070 340 79 11", "email": "rif@dus-i.nl"},
    },
}

def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("job_title", sa.String(length=200), server_default="",
                                   nullable=False))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("contact_name", sa.String(length=200), server_default="",
                                   nullable=False))
    with op.batch_alter_table("schemes") as batch:
        batch.add_column(sa.Column("statutory_basis", sa.Text(), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("articles", sa.JSON(), server_default=sa.text("'{}'"),
                                   nullable=False))
        batch.add_column(sa.Column("contact", sa.JSON(), server_default=sa.text("'{}'"),
                                   nullable=False))
    schemes = sa.table("schemes", sa.column("code", sa.String),
                       sa.column("statutory_basis", sa.Text),
                       sa.column("articles", sa.JSON), sa.column("contact", sa.JSON))
    connection = op.get_bind()
    for code, data in LETTER_DATA.items():
        connection.execute(
            schemes.update().where(schemes.c.code == code)
            .where(schemes.c.statutory_basis == "")
            .values(statutory_basis=data["statutory_basis"], articles=data["articles"],
                    contact=data["contact"]))

def downgrade():
    with op.batch_alter_table("schemes") as batch:
        batch.drop_column("contact")
        batch.drop_column("articles")
        batch.drop_column("statutory_basis")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("contact_name")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("job_title")
