class ConcurrentEditError(Exception):
    """Someone else saved the record after this form was opened (its version moved on)."""
