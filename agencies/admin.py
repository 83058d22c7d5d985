from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, User
from .twofactor.services import second_factor_reset


class PeopleInline(admin.TabularInline):
    model = User
    fields = ("username", "first_name", "last_name", "email", "role", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "sector", "active")
    list_filter = ("sector", "active")
    search_fields = ("name", "short_name")
    inlines = [PeopleInline]


@admin.action(description="Reset the second factor (they set up a new one at their next sign-in)")
def reset_second_factor(modeladmin, request, queryset) -> None:
    for person in queryset:
        second_factor_reset(
            person=person, acting_user=request.user, reason="reset in the administration pages", request=request
        )
    modeladmin.message_user(request, f"The second factor of {len(queryset)} people has been reset.")


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    actions = [reset_second_factor]
    list_display = ("username", "first_name", "last_name", "email", "role", "agency", "is_active", "last_login")
    list_filter = ("role", "agency", "is_active", "is_staff")
    list_select_related = ("agency",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Role in the partnership", {"fields": ("role", "agency")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Role in the partnership", {"fields": ("first_name", "last_name", "email", "role", "agency")}),
    )
