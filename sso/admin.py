from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DirectoryGroupMapping


@admin.register(DirectoryGroupMapping)
class DirectoryGroupMappingAdmin(SimpleHistoryAdmin):
    list_display = ["group", "source", "role", "ward", "note"]
    list_filter = ["source", "role", "ward"]
    search_fields = ["group", "note"]
    list_select_related = ["ward"]
