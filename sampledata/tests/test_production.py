"""Demo data creates accounts with a published password: the app that makes it must not exist
in production."""

import os
import subprocess
import sys

from django.conf import settings


def installed_apps(environment: str) -> list[str]:
    # Reading the settings module is enough: no need to start Django.
    code = "import reintegration.settings as s; print(' '.join(s.INSTALLED_APPS))"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reintegration.settings",
        "DJANGO_ENV": environment,
        "SECRET_KEY": "a-long-enough-secret-key-for-the-production-settings-0123456789",
        "ALLOWED_HOSTS": "reintegration.example.org",
        "PUBLIC_URL": "https://reintegration.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_sample_data_is_installed_in_development_but_not_in_production():
    # The test settings are development ones (reintegration/tests/test_layering.py checks the
    # app is installed there); production is read in a separate interpreter.
    assert "sampledata.apps.SampledataConfig" in settings.INSTALLED_APPS
    assert not [app for app in installed_apps("production") if app.startswith("sampledata")]
