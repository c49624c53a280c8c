"""Re-encrypt every encrypted value under the newest key.

1. Put the new key first in HMIS_FIELD_ENCRYPTION_KEYS, keep the old ones after it.
2. Run this command (safe to stop and re-run: each batch commits on its own).
3. When it reports 0 values left under older keys, remove the old keys.

Stored consent evidence files are re-encrypted too.

Works on raw column values (no model save), so it writes no audit noise and
never holds a decrypted value longer than one row.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from hmis.crypto import encrypted_fields, is_under_newest_key, rotate_token


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields under the first key of HMIS_FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        total = 0
        for model in apps.get_models():
            columns = [f.column for f in encrypted_fields(model)]
            if not columns or model._meta.proxy or not model._meta.managed:
                continue
            rotated = self._rotate_table(model, columns, batch_size)
            if rotated:
                self.stdout.write(f"{model._meta.label}: {rotated} value(s) re-encrypted")
            total += rotated
        files, unreadable = self._rotate_files()
        if files:
            self.stdout.write(f"Consent evidence: {files} file(s) re-encrypted")
        total += files
        if unreadable:
            raise CommandError(
                f"{unreadable} evidence file(s) decrypt with none of the configured keys; "
                "they were left as they are. Restore the missing key and run this again."
            )
        self.stdout.write(self.style.SUCCESS(f"Done: {total} value(s) re-encrypted under the newest key."))

    @staticmethod
    def _rotate_files():
        from sharing.evidence import rotate_all

        return rotate_all()

    def _rotate_table(self, model, columns, batch_size):
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk = quote(model._meta.pk.column)
        cols = ", ".join(quote(c) for c in columns)
        rotated = 0
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {pk} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {pk}, {cols} FROM {table} {where}ORDER BY {pk} LIMIT %s FOR UPDATE",  # noqa: S608
                    ([last] if last is not None else []) + [batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return rotated
                for row in rows:
                    last = row[0]
                    updates = {}
                    for column, token in zip(columns, row[1:], strict=True):
                        if token is None or is_under_newest_key(token.encode("ascii")):
                            continue
                        updates[column] = rotate_token(token)
                    if updates:
                        sets = ", ".join(f"{quote(c)} = %s" for c in updates)
                        cursor.execute(
                            f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608
                            [*updates.values(), row[0]],
                        )
                        rotated += len(updates)
