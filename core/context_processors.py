from .roles import Role


def roles(request):
    """Role flags for templates, so menus show only what the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_roles": {role: user.has_role(role) for role in Role.values},
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
