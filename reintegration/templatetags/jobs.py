from django import template

from reintegration.models import Job
from reintegration.views.jobs import progress_text

register = template.Library()


@register.inclusion_tag("includes/job_progress.html")
def job_progress(job: Job, title: str, on_done: str = "reload") -> dict:
    """A job's progress bar, kept up to date by static/js/jobs.js. ``on_done``: "reload" the
    page (whose content the job changed) or "download" (offer the job's file)."""
    return {"job": job, "title": title, "text": progress_text(job), "on_done": on_done}
