"""How the audit log reads: one sentence per action code and the families of the log's
filter. Apart from audit.py so that the AuditEntry model can describe itself without the
module that writes entries (which needs the model)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# One readable sentence per action code, in the reader's language. Reads (a file, document or
# detention record opened, a list exported) go to the access log (reintegration/access_log.py);
# their codes stay here so that the entries written before still read as sentences.
SENTENCES = {
    "auth.login": _("%(actor)s signed in."),
    "auth.logout": _("%(actor)s signed out."),
    "auth.login_failed": _("Failed sign-in attempt for “%(actor)s”."),
    "auth.locked_out": _("“%(actor)s” was locked out after repeated failed sign-ins."),
    "auth.session_expired": _("The session of %(actor)s expired."),
    "auth.password_changed": _("%(actor)s changed their password."),
    "auth.second_factor_failed": _("Wrong second-factor code for “%(actor)s”."),
    "auth.two_factor_verified": _("%(actor)s confirmed their sign-in with the authenticator app."),
    "auth.recovery_code_used": _("%(actor)s confirmed their sign-in with a recovery code."),
    "auth.two_factor_enrolled": _("%(actor)s set up two-factor sign-in."),
    "auth.recovery_codes_renewed": _("%(actor)s replaced their recovery codes."),
    "auth.password_reset_requested": _("A password reset link was sent to %(target)s."),
    "auth.password_reset_done": _("%(actor)s chose a new password through a reset link."),
    "user.language_changed": _("%(actor)s switched the interface to %(target)s."),
    "user.notification_preference": _(
        "%(actor)s changed whether they receive their notifications by e-mail."
    ),
    "user.two_factor_reset": _("%(actor)s reset the two-factor sign-in of %(target)s."),
    "user.password_reset_forced": _(
        "%(actor)s forced a password reset for %(target)s: their password no longer works."
    ),
    "beneficiary.created": _("%(actor)s opened the file %(target)s."),
    "beneficiary.created_despite_duplicates": _(
        "%(actor)s opened the file %(target)s, declaring the person different from the similar "
        "files shown."
    ),
    "beneficiary.updated": _("%(actor)s edited the file %(target)s."),
    "beneficiary.archived": _("%(actor)s archived the file %(target)s."),
    "beneficiary.restored": _("%(actor)s restored the file %(target)s."),
    "beneficiary.anonymised": _(
        "The file %(target)s was anonymised at the end of its retention period."
    ),
    "beneficiary.redacted": _(
        "At the end of the retention period of the file %(target)s, the free text about the "
        "person was removed from earlier audit entries and project decisions."
    ),
    "beneficiary.exported": _("%(actor)s exported the list of files (%(target)s)."),
    "beneficiary.imported": _("%(actor)s imported a sheet of files into %(target)s."),
    "beneficiary.access_exported": _(
        "%(actor)s exported everything held about %(target)s (right of access)."
    ),
    "beneficiary.text_contact": _(
        "%(actor)s changed the agreement of %(target)s to text messages, or their language."
    ),
    "beneficiary.texted": _("%(actor)s sent a text message to %(target)s."),
    "beneficiary.reminded": _("An automatic reminder was texted to %(target)s."),
    "beneficiary.transfer_requested": _(
        "%(actor)s asked another centre to take over the file %(target)s."
    ),
    "beneficiary.transfer_accepted": _(
        "%(actor)s accepted the transfer of the file %(target)s: it moved to their centre."
    ),
    "beneficiary.transfer_declined": _("%(actor)s declined the transfer of the file %(target)s."),
    "beneficiary.transfer_cancelled": _(
        "%(actor)s withdrew the request to transfer the file %(target)s."
    ),
    "beneficiary.referent_changed": _("%(actor)s changed the referent of the file %(target)s."),
    "beneficiary.needs_assessed": _("%(actor)s recorded a needs assessment of %(target)s."),
    "questionnaire.loaded": _("The needs questionnaire %(target)s was loaded."),
    "detention.created": _("%(actor)s recorded the detention record of %(target)s."),
    "detention.updated": _("%(actor)s edited the detention record of %(target)s."),
    "detention.viewed": _("%(actor)s viewed the detention record of %(target)s."),
    "consent.recorded": _("%(actor)s recorded the consent of %(target)s."),
    "document.attached": _("%(actor)s attached a document to %(target)s."),
    "document.viewed": _("%(actor)s opened a document of %(target)s."),
    "project.created": _("%(actor)s started the life project %(target)s."),
    "project.updated": _("%(actor)s edited the life project %(target)s."),
    "project.budget_changed": _("%(actor)s changed the budget of %(target)s."),
    "project.submit": _("%(actor)s submitted the life project %(target)s for approval."),
    "project.approve_regional": _(
        "%(actor)s approved %(target)s at regional level; headquarters must approve it too."
    ),
    "project.approve": _("%(actor)s approved the life project %(target)s."),
    "project.return": _("%(actor)s returned the life project %(target)s for changes."),
    "project.reject": _("%(actor)s rejected the life project %(target)s."),
    "project.fund": _("%(actor)s marked the life project %(target)s as funded."),
    "project.equip": _("%(actor)s recorded the equipment handover of %(target)s."),
    "project.close": _("%(actor)s closed the life project %(target)s."),
    "project.abandon": _("%(actor)s recorded that the life project %(target)s was abandoned."),
    "convention.saved": _("%(actor)s saved the convention %(target)s."),
    "convention.released": _("%(actor)s released an allocation on the convention %(target)s."),
    "ceremony.created": _("%(actor)s planned the ceremony %(target)s."),
    "ceremony.updated": _("%(actor)s changed the ceremony %(target)s."),
    "ceremony.projects_added": _("%(actor)s added beneficiaries to the ceremony %(target)s."),
    "ceremony.project_removed": _("%(actor)s removed a beneficiary from the ceremony %(target)s."),
    "ceremony.handover_saved": _("%(actor)s recorded a handover at the ceremony %(target)s."),
    "ceremony.held": _("%(actor)s marked the ceremony %(target)s as held."),
    "ceremony.closed": _("%(actor)s closed the ceremony %(target)s."),
    "ceremony.cancelled": _("%(actor)s cancelled the ceremony %(target)s."),
    "ceremony.sample_drawn": _("%(actor)s drew the verification sample %(target)s."),
    "ceremony.check_recorded": _("%(actor)s recorded the handover check %(target)s."),
    "certificate.issued": _("%(actor)s issued the handover certificate %(target)s."),
    "certificate.cancelled": _("%(actor)s cancelled the handover certificate %(target)s."),
    "project.visit_recorded": _("%(actor)s recorded a follow-up visit for %(target)s."),
    "outbox.retry": _("%(actor)s asked to send the message “%(target)s” again."),
    "task.created": _("%(actor)s added the task %(target)s."),
    "task.done": _("%(actor)s marked the task %(target)s done."),
    "task.postponed": _("%(actor)s postponed the task %(target)s."),
    "task.reassigned": _("%(actor)s reassigned the task %(target)s."),
    "partner.service_saved": _("%(actor)s saved the partner's service %(target)s."),
    "referral.created": _("%(actor)s referred the person of the file %(target)s to a service."),
    "referral.answered": _("%(actor)s recorded the partner's answer to the referral %(target)s."),
    "referral.outcome": _("%(actor)s recorded the outcome of the referral %(target)s."),
    "placement.created": _("%(actor)s recorded the placement in employment %(target)s."),
    "placement.ended": _("%(actor)s recorded the end of the placement in employment %(target)s."),
    "placement.checked": _(
        "%(actor)s recorded whether the person still holds the job of the placement %(target)s."
    ),
}


# The audit log's filter: one entry per family of actions, by the code's prefix.
FAMILIES = [
    ("auth.", _("Sign-ins and sessions")),
    ("user.", _("Accounts")),
    ("beneficiary.", _("Beneficiary files")),
    ("detention.", _("Detention records")),
    ("consent.", _("Consent")),
    ("questionnaire.", _("Needs questionnaires")),
    ("document.", _("Documents")),
    ("project.", _("Life projects")),
    ("convention.", _("Conventions")),
    ("ceremony.", _("Ceremonies")),
    ("certificate.", _("Handover certificates")),
    ("task.", _("Tasks")),
    ("partner.", _("Partners' services")),
    ("referral.", _("Referrals")),
    ("placement.", _("Placements in employment")),
    ("outbox.", _("Outgoing messages")),
]


def describe(entry: Any) -> str:
    sentence = SENTENCES.get(entry.action)
    if sentence is None:
        return entry.action
    # The person's name as it is now (the entry keeps the username it was written with, which
    # the audit log's filter searches); entries without an account keep the name typed.
    actor = entry.actor.display_name if entry.actor_id else entry.actor_label
    return str(sentence) % {
        "actor": actor or _("someone"),
        "target": entry.target_label,
    }
