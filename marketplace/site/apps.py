"""The site: the top layer, which may use every app (root URLs, dashboard, policy, demo)."""

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "marketplace.site"
    label = "site"
    verbose_name = "Site"
