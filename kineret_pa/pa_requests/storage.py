"""A formtools storage backend over the draft row: every step is kept in the database,
so a session timeout, a logout, a closed tab or a server restart loses nothing."""
import json

from django.utils import timezone
from formtools.wizard.storage.base import BaseStorage

from .models import PARequest


class DraftStorage(BaseStorage):
    def __init__(self, prefix, request=None, file_storage=None):
        super().__init__(prefix, request, file_storage)
        self.draft = request.pa_draft  # set by the wizard view after the owner check
        if not self.draft.wizard:
            self.init_data()
        self._saved = json.dumps(self.draft.wizard, sort_keys=True)

    def _get_data(self):
        return self.draft.wizard

    def _set_data(self, value):
        self.draft.wizard = value

    data = property(_get_data, _set_data)

    def update_response(self, response):
        super().update_response(response)
        if json.dumps(self.draft.wizard, sort_keys=True) != self._saved:  # write only what changed
            PARequest.objects.filter(pk=self.draft.pk, status=PARequest.Status.DRAFT).update(
                wizard=self.draft.wizard, updated_at=timezone.now())
