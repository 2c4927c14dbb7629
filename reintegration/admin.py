from functools import update_wrapper

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration import passwords, sign_in, two_factor
from reintegration.models import AuditEntry, Centre, Province, Region, User
from reintegration.numbers import is_number, numbers_formfield
from reintegration.permissions import can_use_admin
from reintegration.refusals import refusal_shown_on


class ReintegrationAdminSite(admin.AdminSite):
    """Headquarters' back office for accounts and reference data.

    Access follows the role (national administrators), not Django's is_staff flag, so that the
    role table stays the only source of truth; and, whatever the role, it takes a sign-in
    confirmed with a second factor (OTP_REQUIRED_FOR_ADMIN).
    """

    site_header = _("Reintegration network administration")
    site_title = _("Administration")
    index_title = _("Accounts and reference data")

    def has_permission(self, request):
        return can_use_admin(request.user) and sign_in.admin_allowed(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # One sign-in page for everybody; a signed-in member of staff without the right
            # gets 403, not a second sign-in form.
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if can_use_admin(request.user) and not sign_in.admin_allowed(request.user):
                return redirect(sign_in.second_step(request, request.get_full_path()))
            if not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        # The admin's own sign-in form would bypass nothing (axes guards every backend call),
        # but one sign-in page is simpler for staff.
        return redirect_to_login(request.GET.get("next", "/admin/"), settings.LOGIN_URL)


admin_site = ReintegrationAdminSite(name="admin")


class NumbersAdminMixin:
    """Amounts and counts typed the Moroccan way in the back office too (8 500,50, ٨٥٠٠):
    the admin's own inputs are ``type=number``, which drop a decimal comma."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if is_number(db_field):
            return numbers_formfield(db_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class NationalAdmin(NumbersAdminMixin, admin.ModelAdmin):
    """Full management for national administrators."""

    def has_module_permission(self, request):
        return can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return can_use_admin(request.user)

    def has_add_permission(self, request):
        return can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return can_use_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        # Nothing is hard-deleted from the UI: deactivate instead.
        return False


class NationalInline(NumbersAdminMixin, admin.TabularInline):
    """Rows edited inside a national administrator's form (contacts, contributions…)."""

    def has_view_permission(self, request, obj=None):
        return can_use_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return can_use_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_use_admin(request.user)


class ReadOnlyAdmin(NationalAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Region, site=admin_site)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_fr", "name_ar"]
    search_fields = ["name_fr", "name_ar", "code"]


@admin.register(Province, site=admin_site)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_fr", "name_ar", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name_fr", "name_ar", "code"]


@admin.register(Centre, site=admin_site)
class CentreAdmin(NationalAdmin):
    list_display = ["code", "name_fr", "name_ar", "province", "active"]
    list_filter = ["active", "province__region"]
    search_fields = ["name_fr", "name_ar", "code"]
    autocomplete_fields = ["province"]


@admin.register(User, site=admin_site)
class UserAdmin(NationalAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "scope_label", "is_active"]
    list_filter = ["role", "is_active", "region"]
    list_select_related = ["centre", "region", "province"]
    autocomplete_fields = ["centre", "province", "region"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Role and scope"), {"fields": ("role", "centre", "region", "province")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Role and scope"), {"fields": ("role", "centre", "region", "province")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_two_factor", "force_password_reset"]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "uses_two_factor"]

    def get_queryset(self, request):
        confirmed_app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(confirmed_app))

    @admin.display(description=_("scope"))
    def scope_label(self, obj):
        return obj.scope_label

    @admin.display(description=_("two-factor sign-in"), boolean=True, ordering="has_two_factor")
    def uses_two_factor(self, obj):
        return obj.has_two_factor

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):
        return self._ask_then_do(
            request,
            queryset,
            action="reset_two_factor",
            title=_("Reset two-factor sign-in"),
            consequence=_(
                "Their authenticator app and recovery codes stop working at once. Regional staff "
                "and national administrators must set up a new app at their next sign-in; the "
                "other roles sign in with their password only until they set one up again."
            ),
            confirm_label=_("Yes, reset their two-factor sign-in"),
            service=two_factor.two_factor_reset,
            done=_("The two-factor sign-in of %(user)s was reset."),
        )

    @admin.action(description=_("Force a password reset (by e-mail)"))
    def force_password_reset(self, request, queryset):
        return self._ask_then_do(
            request,
            queryset,
            action="force_password_reset",
            title=_("Force a password reset"),
            consequence=_(
                "Their current password stops working at once and they are signed out "
                "everywhere. They receive an e-mail with a link to choose a new one."
            ),
            confirm_label=_("Yes, force a password reset"),
            service=passwords.password_reset_force,
            done=_("The password of %(user)s no longer works; a reset link is on its way."),
        )

    def _ask_then_do(
        self, request, queryset, *, action, title, consequence, confirm_label, service, done
    ):
        """Changing how colleagues sign in never happens on one click: the first POST answers
        with the list of accounts and what will happen, the second (post=yes) acts."""
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": title,
                "consequence": consequence,
                "confirm_label": confirm_label,
                "accounts": queryset,
                "action": action,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return TemplateResponse(
                request, "admin/reintegration/user/confirm_action.html", context
            )
        for user in queryset:
            with refusal_shown_on(request):
                service(user=user, by=request.user)
                self.message_user(request, done % {"user": user.get_username()}, messages.SUCCESS)
        return None


@admin.register(AuditEntry, site=admin_site)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target_label", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_label"]
