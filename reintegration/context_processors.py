from reintegration import sign_in


def second_factor(request):
    """While a sign-in owes its second factor, pages show no menu: every entry would lead back
    to the second step."""
    return {"second_factor_owed": sign_in.owes_second_factor(request)}
