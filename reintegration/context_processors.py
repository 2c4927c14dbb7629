from reintegration import notifications, sign_in


def second_factor(request):
    """While a sign-in owes its second factor, pages show no menu: every entry would lead back
    to the second step."""
    return {"second_factor_owed": sign_in.owes_second_factor(request)}


def unread_notifications(request):
    """The top bar's count of unread notifications: one indexed query per page, none for a
    visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notifications.unread_count(user)}
