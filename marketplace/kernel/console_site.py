"""The mediator console's admin site: Django's admin, closed by default.

Every model admin is for superusers only unless its class says it is built for case work
(`for_case_workers = True`, and then it scopes its rows to what the case worker needs to
know). So an app, ours or a third party's, that registers a model with the admin never opens
it to mediators and arbitrators by accident. Its login is allauth's (with the second factor).
The "view on site" shortcut, which redirects to
any object's page by id and so tells whether it exists, is for superusers only as well.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


class SuperuserOnly:
    """Mixed into every model admin that is not built for case work."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return request.user.is_superuser and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the object up before it checks the permission, so a missing id would
        # redirect (302) where an existing one is refused (403): refuse first, whatever the id.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class ConsoleSite(admin.AdminSite):
    site_header = _("Marketplace — mediator console")
    site_title = _("Mediator console")
    index_title = _("Cases, contracts and the record")
    # The console is a work list, not a model browser: the sidebar took a third of a
    # 1280-pixel screen away from the queue's columns.
    enable_nav_sidebar = False

    def login(self, request, extra_context=None):
        """Signing in to the console is signing in to the site: allauth's login, with its
        second-factor challenge and rate limits (the admin's own form would bypass both)."""
        return secure_admin_login(super().login)(request, extra_context)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not getattr(admin_class, "for_case_workers", False):
            admin_class = type(admin_class.__name__, (SuperuserOnly, admin_class),
                               {"__module__": admin_class.__module__})
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path("r/<path:content_type_id>/<path:object_id>/",
                                   self.admin_view(self.view_on_site), name="view_on_site")
        return urls

    def view_on_site(self, request, content_type_id, object_id):
        if not request.user.is_superuser:
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)
