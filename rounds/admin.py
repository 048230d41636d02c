from django.contrib import admin

from rounds.models import DeadlineExtension, Proposal, ProposalItem, Quota, SupportRound


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    fields = ("district", "school", "kind", "amount")
    autocomplete_fields = ()
    raw_id_fields = ("school",)


class DeadlineExtensionInline(admin.TabularInline):
    """Shown only: extensions are granted on the round's deadline page, audited there."""

    model = DeadlineExtension
    extra = 0
    can_delete = False
    fields = ("district", "commune", "school", "until", "reason", "granted_by", "granted_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportRound)
class SupportRoundAdmin(admin.ModelAdmin):
    list_display = ("name", "school_year", "starts_on", "ends_on", "closes_on", "status")
    list_filter = ("status", "school_year")
    search_fields = ("name",)
    inlines = [QuotaInline, DeadlineExtensionInline]
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change and not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ("round", "district", "school", "kind", "amount", "updated_at")
    list_filter = ("round", "kind", "district")
    raw_id_fields = ("school",)
    list_select_related = ("round", "district", "school")


class ProposalItemInline(admin.TabularInline):
    model = ProposalItem
    extra = 0
    can_delete = False
    fields = ("priority", "student", "kind", "status", "reason", "decided_by", "decided_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-mostly: decisions go through the portal so they are checked, audited and notified."""

    list_display = ("school", "round", "status", "submitted_at", "decided_at", "version")
    list_filter = ("round", "status", "school__district")
    search_fields = ("school__name", "school__code")
    list_select_related = ("school", "round")
    inlines = [ProposalItemInline]
    readonly_fields = (
        "round",
        "school",
        "status",
        "version",
        "submitted_at",
        "submitted_by",
        "decided_at",
        "decided_by",
        "confirmed_at",
        "confirmed_by",
    )
