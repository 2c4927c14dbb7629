from django.apps import AppConfig


class SampledataConfig(AppConfig):
    """Development only: not installed when DJANGO_ENV=production."""

    name = "sampledata"
    verbose_name = "Sample data"
