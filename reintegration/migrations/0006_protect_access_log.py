"""The access log refuses UPDATE and DELETE in the database itself, like the audit log (see
``reintegration/protected_records.py``); only the test suite's flush may empty it on SQLite."""

from django.db import migrations

from reintegration.protected_records import VendorSQL

MESSAGE = "access log entries are append-only"

POSTGRESQL = [
    f"""
    CREATE TRIGGER reintegration_accessentry_refuse_update
    BEFORE UPDATE ON reintegration_accessentry FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse('{MESSAGE}')
    """,
    f"""
    CREATE TRIGGER reintegration_accessentry_refuse_delete
    BEFORE DELETE ON reintegration_accessentry FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse('{MESSAGE}')
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER reintegration_accessentry_refuse_update
    BEFORE UPDATE ON reintegration_accessentry FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER reintegration_accessentry_refuse_delete
    BEFORE DELETE ON reintegration_accessentry FOR EACH ROW
    WHEN NOT protected_records_unlocked('flush')
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """,
]

DROP = [
    "DROP TRIGGER IF EXISTS reintegration_accessentry_refuse_update{on}",
    "DROP TRIGGER IF EXISTS reintegration_accessentry_refuse_delete{on}",
]


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0005_protect_audit_entries"),
    ]

    operations = [
        VendorSQL(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={
                "postgresql": [d.format(on=" ON reintegration_accessentry") for d in DROP],
                "sqlite": [d.format(on="") for d in DROP],
            },
        )
    ]
