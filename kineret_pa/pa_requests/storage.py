"""A formtools storage backend over the draft row: every step is kept in the database,
so a session timeout, a logout, a closed tab or a server restart loses nothing."""

import json

from django import forms
from django.utils import timezone
from formtools.wizard.storage.base import BaseStorage

from .models import PARequest


def step_keys_declared(form: forms.Form | forms.BaseFormSet) -> frozenset[str]:
    """The posted keys a step's form or formset reads: its fields, and for a formset its management form and
    the fields of as many rows as it accepts. Only these are kept in the draft; anything else posted (900
    made-up fields once grew a draft from 101 KB to 1.9 MB) is dropped."""
    if isinstance(form, forms.BaseFormSet):
        management = form.management_form
        keys = {management.add_prefix(name) for name in management.fields}
        row_fields = list(form.empty_form.fields)  # with the formset's own (DELETE)
        for index in range(form.max_num):
            keys.update(f"{form.add_prefix(index)}-{name}" for name in row_fields)
        return frozenset(keys)
    return frozenset(form.add_prefix(name) for name in form.fields)


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
                wizard=self.draft.wizard, updated_at=timezone.now()
            )
