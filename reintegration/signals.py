"""Sign-in events go to the audit log (law 09-08 art. 24: who entered the system, and when)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from reintegration import audit, sign_in


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session["login_at"] = timezone.now().timestamp()
        # Every way in passes here: the session notes whether it still owes a second factor.
        sign_in.started(request, user)
    audit.record("auth.login", actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        "auth.second_factor_failed" if sender == sign_in.SECOND_STEP else "auth.login_failed",
        actor_label=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit.record("auth.locked_out", actor_label=str(username or "")[:150])
