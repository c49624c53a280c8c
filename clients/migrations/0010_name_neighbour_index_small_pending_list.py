"""The name-neighbour GIN index keeps a pending list of at most 64 kB (set in
place: the index is not rebuilt)."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clients", "0009_client_list_newest_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX client_name_neighbour_idx SET (gin_pending_list_limit = 64)",
                    "ALTER INDEX client_name_neighbour_idx RESET (gin_pending_list_limit)",
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="client", name="client_name_neighbour_idx"),
                migrations.AddIndex(
                    model_name="client",
                    index=GinIndex(
                        fields=["name_neighbour_bidx"], gin_pending_list_limit=64, name="client_name_neighbour_idx"
                    ),
                ),
            ],
        )
    ]
