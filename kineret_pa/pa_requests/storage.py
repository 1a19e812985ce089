"""A formtools storage backend over the draft row: every step is kept in the database,
so a session timeout, a logout, a closed tab or a server restart loses nothing."""
from formtools.wizard.storage.base import BaseStorage


class DraftStorage(BaseStorage):
    def __init__(self, prefix, request=None, file_storage=None):
        super().__init__(prefix, request, file_storage)
        self.draft = request.pa_draft  # set by the wizard view after the owner check
        if not self.draft.wizard:
            self.init_data()

    def _get_data(self):
        return self.draft.wizard

    def _set_data(self, value):
        self.draft.wizard = value

    data = property(_get_data, _set_data)

    def update_response(self, response):
        super().update_response(response)
        if self.draft.is_draft or not self.draft.wizard.get("step_data"):
            self.draft.save(update_fields=["wizard", "updated_at"])
