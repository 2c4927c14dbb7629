import os
import subprocess
import sys

from django.conf import settings

LOAD_SETTINGS = "import reintegration.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE)"


def load_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_is_secure_by_default():
    result = load_settings(DJANGO_ENV="production", SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_sqlite_takes_the_write_lock_at_the_start_of_a_transaction():
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    else:
        assert database["ENGINE"] == "django.db.backends.postgresql"
