"""Ledger movements and issued certificates refuse changes in the database itself, from any
client: see ``reintegration/protected_records.py``.

A ledger movement is never updated or deleted. A certificate is never deleted, and its content
(the PDF bytes, their SHA-256, the number, the verification code, the snapshot, the handover,
who issued it and when) never changes. What cancelling needs stays possible, as
``Certificate._check_cancellation`` allows it: the status goes from current to cancelled once,
with its time, author and reason, and the replacement is named once, on a cancelled one."""

from django.db import migrations

from reintegration.protected_records import VendorSQL

POSTGRESQL = [
    """
    CREATE TRIGGER partners_ledgermovement_refuse_update
    BEFORE UPDATE ON partners_ledgermovement FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse('ledger movements are append-only')
    """,
    """
    CREATE TRIGGER partners_ledgermovement_refuse_delete
    BEFORE DELETE ON partners_ledgermovement FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse('ledger movements are append-only')
    """,
    """
    CREATE TRIGGER partners_certificate_refuse_update
    BEFORE UPDATE ON partners_certificate FOR EACH ROW
    WHEN (NOT (
        (to_jsonb(NEW) - ARRAY['status', 'cancelled_at', 'cancelled_by_id', 'cancel_reason',
                               'replaced_by_id'])
        = (to_jsonb(OLD) - ARRAY['status', 'cancelled_at', 'cancelled_by_id', 'cancel_reason',
                                 'replaced_by_id'])
        AND (NEW.status = OLD.status OR (OLD.status = 'current' AND NEW.status = 'cancelled'))
        AND (
            (
                NEW.cancelled_at IS NOT DISTINCT FROM OLD.cancelled_at
                AND NEW.cancelled_by_id IS NOT DISTINCT FROM OLD.cancelled_by_id
                AND NEW.cancel_reason = OLD.cancel_reason
            )
            OR (OLD.status = 'current' AND NEW.status = 'cancelled')
        )
        AND (
            NEW.replaced_by_id IS NOT DISTINCT FROM OLD.replaced_by_id
            OR (OLD.replaced_by_id IS NULL AND NEW.status = 'cancelled')
        )
    ))
    EXECUTE FUNCTION protected_records_refuse(
        'an issued certificate cannot be changed, only cancelled'
    )
    """,
    """
    CREATE TRIGGER partners_certificate_refuse_delete
    BEFORE DELETE ON partners_certificate FOR EACH ROW
    EXECUTE FUNCTION protected_records_refuse(
        'an issued certificate cannot be deleted, only cancelled'
    )
    """,
]

SQLITE = [
    """
    CREATE TRIGGER partners_ledgermovement_refuse_update
    BEFORE UPDATE ON partners_ledgermovement FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, 'ledger movements are append-only');
    END
    """,
    """
    CREATE TRIGGER partners_ledgermovement_refuse_delete
    BEFORE DELETE ON partners_ledgermovement FOR EACH ROW
    WHEN NOT protected_records_unlocked('flush')
    BEGIN
        SELECT RAISE(ABORT, 'ledger movements are append-only');
    END
    """,
    """
    CREATE TRIGGER partners_certificate_refuse_update
    BEFORE UPDATE ON partners_certificate FOR EACH ROW
    WHEN NOT (
        NEW.id IS OLD.id
        AND NEW.handover_id IS OLD.handover_id
        AND NEW.number IS OLD.number
        AND NEW.code IS OLD.code
        AND NEW.languages IS OLD.languages
        AND NEW.snapshot IS OLD.snapshot
        AND NEW.pdf IS OLD.pdf
        AND NEW.sha256 IS OLD.sha256
        AND NEW.issued_at IS OLD.issued_at
        AND NEW.issued_by_id IS OLD.issued_by_id
        AND (NEW.status = OLD.status OR (OLD.status = 'current' AND NEW.status = 'cancelled'))
        AND (
            (
                NEW.cancelled_at IS OLD.cancelled_at
                AND NEW.cancelled_by_id IS OLD.cancelled_by_id
                AND NEW.cancel_reason = OLD.cancel_reason
            )
            OR (OLD.status = 'current' AND NEW.status = 'cancelled')
        )
        AND (
            NEW.replaced_by_id IS OLD.replaced_by_id
            OR (OLD.replaced_by_id IS NULL AND NEW.status = 'cancelled')
        )
    )
    BEGIN
        SELECT RAISE(ABORT, 'an issued certificate cannot be changed, only cancelled');
    END
    """,
    """
    CREATE TRIGGER partners_certificate_refuse_delete
    BEFORE DELETE ON partners_certificate FOR EACH ROW
    WHEN NOT protected_records_unlocked('flush')
    BEGIN
        SELECT RAISE(ABORT, 'an issued certificate cannot be deleted, only cancelled');
    END
    """,
]


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_clean_stored_text"),
        ("reintegration", "0005_protect_audit_entries"),
    ]

    operations = [
        VendorSQL(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={
                "postgresql": [
                    "DROP TRIGGER IF EXISTS partners_ledgermovement_refuse_update"
                    " ON partners_ledgermovement",
                    "DROP TRIGGER IF EXISTS partners_ledgermovement_refuse_delete"
                    " ON partners_ledgermovement",
                    "DROP TRIGGER IF EXISTS partners_certificate_refuse_update ON partners_certificate",
                    "DROP TRIGGER IF EXISTS partners_certificate_refuse_delete ON partners_certificate",
                ],
                "sqlite": [
                    "DROP TRIGGER IF EXISTS partners_ledgermovement_refuse_update",
                    "DROP TRIGGER IF EXISTS partners_ledgermovement_refuse_delete",
                    "DROP TRIGGER IF EXISTS partners_certificate_refuse_update",
                    "DROP TRIGGER IF EXISTS partners_certificate_refuse_delete",
                ],
            },
        ),
    ]
