"""The audit log refuses UPDATE and DELETE in the database itself, from any client: see
``reintegration/protected_records.py``. Inside ``protected_records.anonymising()`` an entry may
change its ``changes`` (the retention job removes free text about a person), nothing else.

On PostgreSQL one function raises the error every protected table's triggers name; the other
apps' protecting migrations depend on this one for it."""

from django.db import migrations

from reintegration.protected_records import VendorSQL

POSTGRESQL = [
    """
    CREATE FUNCTION protected_records_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER reintegration_auditentry_refuse_update
    BEFORE UPDATE ON reintegration_auditentry FOR EACH ROW
    WHEN (NOT (
        coalesce(current_setting('app.protected_records', true), '') = 'anonymising'
        AND (to_jsonb(NEW) - 'changes') = (to_jsonb(OLD) - 'changes')
    ))
    EXECUTE FUNCTION protected_records_refuse('audit entries are append-only')
    """,
    """
    CREATE TRIGGER reintegration_auditentry_refuse_delete
    BEFORE DELETE ON reintegration_auditentry FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse('audit entries are append-only')
    """,
]

SQLITE = [
    """
    CREATE TRIGGER reintegration_auditentry_refuse_update
    BEFORE UPDATE ON reintegration_auditentry FOR EACH ROW
    WHEN NOT (
        protected_records_unlocked('anonymising')
        AND NEW.id IS OLD.id
        AND NEW.created_at IS OLD.created_at
        AND NEW.actor_id IS OLD.actor_id
        AND NEW.actor_label IS OLD.actor_label
        AND NEW.action IS OLD.action
        AND NEW.target_type IS OLD.target_type
        AND NEW.target_id IS OLD.target_id
        AND NEW.target_label IS OLD.target_label
        AND NEW.ip_address IS OLD.ip_address
    )
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only');
    END
    """,
    """
    CREATE TRIGGER reintegration_auditentry_refuse_delete
    BEFORE DELETE ON reintegration_auditentry FOR EACH ROW
    WHEN NOT protected_records_unlocked('flush')
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only');
    END
    """,
]


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0004_access_log"),
    ]

    operations = [
        VendorSQL(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={
                "postgresql": [
                    "DROP TRIGGER IF EXISTS reintegration_auditentry_refuse_update"
                    " ON reintegration_auditentry",
                    "DROP TRIGGER IF EXISTS reintegration_auditentry_refuse_delete"
                    " ON reintegration_auditentry",
                    "DROP FUNCTION IF EXISTS protected_records_refuse()",
                ],
                "sqlite": [
                    "DROP TRIGGER IF EXISTS reintegration_auditentry_refuse_update",
                    "DROP TRIGGER IF EXISTS reintegration_auditentry_refuse_delete",
                ],
            },
        ),
    ]
