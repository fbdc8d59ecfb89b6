"""The admin app, installed with the mediator console's site as its default site.

Kept apart from `console_site` because an app config module is imported before the models
are ready, and the site's module needs them."""

from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    """Installed instead of `django.contrib.admin`, so `admin.site` is the ConsoleSite."""

    default_site = "marketplace.kernel.console_site.ConsoleSite"
