"""Project decisions refuse UPDATE and DELETE in the database itself, from any client: see
``reintegration/protected_records.py``. Inside ``protected_records.anonymising()`` a decision
may change its ``comment`` (the retention job removes free text about a person), nothing
else."""

from django.db import migrations

from reintegration.protected_records import VendorSQL

POSTGRESQL = [
    """
    CREATE TRIGGER projects_decision_refuse_update
    BEFORE UPDATE ON projects_decision FOR EACH ROW
    WHEN (NOT (
        coalesce(current_setting('app.protected_records', true), '') = 'anonymising'
        AND (to_jsonb(NEW) - 'comment') = (to_jsonb(OLD) - 'comment')
    ))
    EXECUTE FUNCTION protected_records_refuse('project decisions are append-only')
    """,
    """
    CREATE TRIGGER projects_decision_refuse_delete
    BEFORE DELETE ON projects_decision FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse('project decisions are append-only')
    """,
]

SQLITE = [
    """
    CREATE TRIGGER projects_decision_refuse_update
    BEFORE UPDATE ON projects_decision FOR EACH ROW
    WHEN NOT (
        protected_records_unlocked('anonymising')
        AND NEW.id IS OLD.id
        AND NEW.project_id IS OLD.project_id
        AND NEW.action IS OLD.action
        AND NEW.from_status IS OLD.from_status
        AND NEW.to_status IS OLD.to_status
        AND NEW.actor_id IS OLD.actor_id
        AND NEW.amount IS OLD.amount
        AND NEW.created_at IS OLD.created_at
    )
    BEGIN
        SELECT RAISE(ABORT, 'project decisions are append-only');
    END
    """,
    """
    CREATE TRIGGER projects_decision_refuse_delete
    BEFORE DELETE ON projects_decision FOR EACH ROW
    WHEN NOT protected_records_unlocked('flush')
    BEGIN
        SELECT RAISE(ABORT, 'project decisions are append-only');
    END
    """,
]


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0009_clean_stored_text"),
        ("reintegration", "0005_protect_audit_entries"),
    ]

    operations = [
        VendorSQL(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={
                "postgresql": [
                    "DROP TRIGGER IF EXISTS projects_decision_refuse_update ON projects_decision",
                    "DROP TRIGGER IF EXISTS projects_decision_refuse_delete ON projects_decision",
                ],
                "sqlite": [
                    "DROP TRIGGER IF EXISTS projects_decision_refuse_update",
                    "DROP TRIGGER IF EXISTS projects_decision_refuse_delete",
                ],
            },
        ),
    ]
