from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Action, ActionPlan, ActionUpdate, ProgressReport


class ActionInline(admin.TabularInline):
    model = Action
    fields = ("objective", "description", "lead_officer", "starts_on", "due_on", "status")
    extra = 0
    show_change_link = True


@admin.register(ActionPlan)
class ActionPlanAdmin(SimpleHistoryAdmin):
    list_display = ("title", "agency", "starts_on", "ends_on", "is_current", "signed_off_on")
    list_filter = ("agency", "is_current")
    inlines = [ActionInline]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ("description", "plan", "objective", "lead_officer", "due_on", "status")
    list_filter = ("objective", "status", "plan__agency")
    search_fields = ("description", "lead_officer")


class UpdateInline(admin.StackedInline):
    model = ActionUpdate
    extra = 0
    readonly_fields = ("action", "rag", "done", "impact", "next_steps", "recovery")
    can_delete = False


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = ("agency", "period", "status", "revision", "updated_at")
    list_filter = ("status", "agency", "period")
    readonly_fields = ("status", "version", "revision", "submitted_at", "submitted_by", "reviewed_at", "reviewed_by")
    inlines = [UpdateInline]
