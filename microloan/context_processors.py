from .business_date import business_date


def business(request):
    """The business date shown in every page header (the sandbox may have moved it)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"business_date": business_date()}
