"""The prescriber's pages: My requests, the guided form, the determination and its letter.
Every one needs the prescriber role (accounts.roles.prescriber_required), the wizard too (urls.py)."""

from __future__ import annotations

from enum import IntEnum
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from formtools.wizard.views import NamedUrlWizardView

from kineret_pa.accounts.roles import prescriber_required
from kineret_pa.engine.facts import trial_detail_words
from kineret_pa.engine.needs import facts_needed
from kineret_pa.policies.models import Question
from kineret_pa.policies.services import determination_compute
from kineret_pa.policies.snapshots import policy_data_get

from . import forms as f
from .models import APPROVED_STATUSES, Decision, PARequest, PrescriberProfile
from .paging import PageWithoutCount
from .review_forms import AnswerForm, AppealForm, AttachmentForm, WithdrawForm
from .selectors import appeal_rights_for, pa_request_get_for_user, pa_requests_list_for_owner
from .services import (
    STATUS_FOR_DECISION,
    SubmitError,
    pa_request_create,
    pa_request_discard,
    pa_request_submit,
    request_build,
)
from .storage import step_keys_declared

STEPS = [
    ("policy", f.PolicyForm, "Payer and policy"),
    ("patient", f.PatientForm, "Patient"),
    ("diagnosis", f.DiagnosisForm, "Diagnosis"),
    ("therapies", f.TherapyFormSet, "Prior therapies"),
    ("concomitant", f.ConcomitantFormSet, "Concomitant drugs"),
    ("screening", f.ScreeningForm, "Screening and safety"),
    ("questions", f.QuestionsForm, "Indication questions"),
    ("dose", f.DoseForm, "Dose and quantity"),
    ("review", f.ReviewForm, "Review and submit"),
]
TITLES = {name: title for name, _, title in STEPS}
FORMSET_STEPS = {"therapies", "concomitant"}
MSG_STEP_NOT_NEEDED = "This policy's criteria for {diagnosis} do not need this step: leave it as it is and choose Next."

# The steps shown only where the policy looks at their facts, each with its test of the facts a policy needs.
STEP_NEEDS = {
    "therapies": lambda needs: "prior_therapies" in needs,
    "concomitant": lambda needs: "concomitant_drugs" in needs,
    "screening": lambda needs: any(path in needs for path in f.SCREENING_PROMPTS),
    "questions": lambda needs: any(path.startswith("answers.") for path in needs),
}


def _shows(fact_test):
    # The steps follow from the policy step's answers alone (what any diagnosis of the chosen policy may need), so
    # the steps listed and the "Step N of M" counter stay the same from the policy step to the end; a step the
    # diagnosis does not need says so (MSG_STEP_NOT_NEEDED).
    return lambda wizard: fact_test(wizard.step_context(through=Layer.POLICY).needs_any)


class Layer(IntEnum):
    """How far the step context is filled. Each layer is worked out from the answers of earlier steps, so a
    step's form never needs the layer its own answers feed."""

    BASE = 0  # the policy data and today: no answer
    POLICY = 1  # the chosen version's snapshot, and what any diagnosis of it needs: the policy step
    FULL = 2  # the diagnosis and weight, the facts they need and the questions asked: patient and diagnosis


# The layer a step's form is built with (FULL when not listed), and the layer a step's answers feed.
FORM_LAYER = {"policy": Layer.BASE, "patient": Layer.POLICY, "diagnosis": Layer.POLICY}
FEEDS = {"policy": Layer.POLICY, "patient": Layer.FULL, "diagnosis": Layer.FULL}


class RequestWizard(NamedUrlWizardView):
    form_list = [(name, form) for name, form, _ in STEPS]
    storage_name = "kineret_pa.pa_requests.storage.DraftStorage"
    template_name = "pa_requests/wizard.html"
    url_name = "pa-request-step"
    # A step appears only when the chosen policy's criteria or limits look at its facts.
    condition_dict = {step: _shows(fact_test) for step, fact_test in STEP_NEEDS.items()}

    def dispatch(self, request, *args, **kwargs):
        self.draft = pa_request_get_for_user(user=request.user, pa_request_id=kwargs["pk"])
        if not self.draft.is_draft:
            return redirect("pa-request-detail", pk=self.draft.pk)  # already submitted: one request
        request.pa_draft = self.draft
        self._policy_data = None  # read on first use, then kept for the whole request
        # Per-request caches of our own. formtools caches the steps shown and each step's cleaned data in
        # private attributes whose names and clearing differ between 2.x releases, so the wizard overrides the
        # public hooks that use them (get_form_list, get_cleaned_data_for_step, post) and keeps its own here.
        self._context: f.StepContext | None = None
        self._filled = Layer.BASE
        self._shown: dict[str, type] | None = None
        self._resolving_shown = False
        self._cleaned: dict[str, dict | None] = {}
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs):
        return "wizard"

    def get_step_url(self, step):
        return reverse(self.url_name, kwargs={"pk": self.draft.pk, "step": step})

    # ------------------------------------------------------------ the step context: one per request, in layers

    def step_context(self, *, through: Layer = Layer.FULL) -> f.StepContext:
        """The request's step context, filled through `through` on first need and shared by every step's form.
        A post that changes the answers a layer is worked out from refills that layer, on a new context when
        the policy changed (`_answers_keep`)."""
        if self._context is None:
            # One read of the policy-data revision per request serves every lookup below.
            if self._policy_data is None:
                self._policy_data = policy_data_get()
            self._context = f.StepContext(policy_data=self._policy_data)
        if through >= Layer.POLICY and self._filled < Layer.POLICY:
            self._fill_policy(self._context)
            self._filled = Layer.POLICY
        if through >= Layer.FULL and self._filled < Layer.FULL:
            self._fill_full(self._context)
            self._filled = Layer.FULL
        return self._context

    def _fill_policy(self, context: f.StepContext) -> None:
        """The chosen policy version's snapshot, and what any diagnosis of it may need (the first step)."""
        chosen = self.get_cleaned_data_for_step("policy")
        if chosen:
            version_id = context.policy_data.version_for(chosen["policy"], chosen["date_of_service"]).version_id
            if version_id:
                context.snapshot = context.policy_data.snapshot(version_id)
                context.request_type = chosen["request_type"]
                context.needs_any = facts_needed(context.snapshot, diagnosis=None, request_type=chosen["request_type"])

    def _fill_full(self, context: f.StepContext) -> None:
        """The diagnosis and weight, and the facts needed for them. Sets every field of the layer, so a
        refill after the patient or diagnosis step changed leaves nothing of the old answers."""
        diagnosis = self.get_cleaned_data_for_step("diagnosis") or {}
        context.diagnosis = diagnosis.get("diagnosis_slug")
        context.weight_kg = (self.get_cleaned_data_for_step("patient") or {}).get("weight_kg")
        # Unknown diagnosis yet: ask what any diagnosis of this policy might need.
        context.needs = (
            facts_needed(context.snapshot, diagnosis=context.diagnosis, request_type=context.request_type)
            if context.snapshot is not None
            else frozenset()
        )
        codes = [path[len("answers.") :] for path in context.needs if path.startswith("answers.")]
        context.questions = list(Question.objects.filter(code__in=codes).order_by("order")) if codes else []

    def _answers_keep(self, step: str, answers: dict[str, list[str]]) -> None:
        """Keep a step's answers in the draft, and forget what was worked out from its old answers: its
        cleaned data and, for the steps the context is filled from, that layer on and the steps shown."""
        stored = self.storage.get_step_data(step)
        self.storage.set_step_data(step, answers)
        if stored is not None and dict(stored.lists()) == answers:
            return
        self._cleaned.pop(step, None)
        feeds = FEEDS.get(step)
        if feeds is None or self._filled < feeds:
            return  # nothing was worked out from this step's answers yet
        if feeds == Layer.POLICY:
            # Another policy: a new context, so nothing of the old policy's snapshot or needs is left over.
            self._context = f.StepContext(policy_data=self._context.policy_data, today=self._context.today)
        self._filled = Layer(feeds - 1)
        self._shown = None
        # The forms of later steps were validated against the old context.
        self._cleaned = {name: data for name, data in self._cleaned.items() if FORM_LAYER.get(name, Layer.FULL) < feeds}

    @cached_property
    def prescriber_profile(self) -> PrescriberProfile | None:
        # Read once per request: the review form is built several times in one post, and the page shows it.
        return PrescriberProfile.objects.filter(user=self.request.user).first()

    # ------------------------------------------------------------ formtools' public hooks

    def get_form_list(self):
        """The steps shown, resolved once per state of the answers. A condition builds earlier steps' forms;
        while one is being evaluated every step is available to them (as formtools does)."""
        if self._shown is None:
            if self._resolving_shown:
                return self.form_list.copy()
            self._resolving_shown = True
            try:
                self._shown = {name: form for name, form in self.form_list.items() if self._condition_met(name)}
            finally:
                self._resolving_shown = False
        return self._shown.copy()

    def _condition_met(self, step: str) -> bool:
        condition = self.condition_dict.get(step, True)
        return bool(condition(self) if callable(condition) else condition)

    def get_cleaned_data_for_step(self, step):
        """The step's stored answers, validated once per state of the answers (None when not valid)."""
        if step not in self.form_list:
            return None
        if step not in self._cleaned:
            form = self.get_form(
                step=step, data=self.storage.get_step_data(step), files=self.storage.get_step_files(step)
            )
            self._cleaned[step] = form.cleaned_data if form.is_valid() else None
        return self._cleaned[step]

    def get_form_kwargs(self, step=None):
        context = self.step_context(through=FORM_LAYER.get(step, Layer.FULL))
        if step == "review":
            context.profile = self.prescriber_profile
        return {"context": context}

    def get_form_step_data(self, form):
        return self._raw(self.steps.current, form=form)

    # ------------------------------------------------------------ posting

    def _raw(self, step: str, data=None, form=None) -> dict[str, list[str]]:
        """The step's posted fields as stored in the draft: only the fields its form declares, so made-up
        fields cannot grow a draft. NUL characters are dropped: PostgreSQL's JSON cannot hold them (the
        form still shows its message for the value as posted)."""
        data = self.request.POST if data is None else data
        declared = step_keys_declared(form if form is not None else self.get_form(step=step))
        return {key: [value.replace("\x00", "") for value in data.getlist(key)] for key in data if key in declared}

    def get(self, *args, **kwargs):
        step = kwargs.get("step")
        shown = self.get_form_list()
        if step in self.form_list and step not in shown:
            # A step this policy no longer asks (the diagnosis or the policy data changed):
            # go on to the next step that is shown, instead of failing to build its form.
            order = list(self.form_list)
            following = next(name for name in order[order.index(step) :] if name in shown)
            self.storage.current_step = following
            return redirect(self.get_step_url(following))
        return super().get(*args, **kwargs)

    def post(self, *args, **kwargs):
        step = self.request.POST.get(f"{self.prefix}-current_step")
        if step is None:
            return super().post(*args, **kwargs)  # no management form: formtools refuses it (400)
        if step not in self.get_form_list():  # an unknown or hidden step posted: nothing to keep
            return redirect(self.get_step_url(self.steps.current))
        # Keep whatever was typed, valid or not, before going anywhere: Back, Save and
        # exit, a failed validation and a closed tab all keep the answers.
        self.storage.current_step = step
        self._answers_keep(step, self._raw(step))
        if "wizard_save_exit" in self.request.POST:
            messages.success(self.request, "Draft saved. You can resume it from My requests.")
            return redirect("pa-request-list")
        if "wizard_add_row" in self.request.POST and step in FORMSET_STEPS:
            return self._add_row(step)
        if "wizard_calculate" in self.request.POST and step == "dose":
            return self._calculate()
        # What formtools' post() does from here, through its public hooks only: its own clears private caches.
        goto = self.request.POST.get("wizard_goto_step")
        if goto and goto in self.get_form_list():
            return self.render_goto_step(goto)
        form = self.get_form(step=step, data=self.request.POST, files=self.request.FILES)
        if not form.is_valid():
            return self.render(form)
        self._answers_keep(step, self.process_step(form))
        self.storage.set_step_files(step, self.process_step_files(form))
        if step == self.steps.last:
            return self.render_done(form, **kwargs)
        return self.render_next_step(form)

    def _add_row(self, step):
        data = self.request.POST.copy()
        key = f"{step}-TOTAL_FORMS"
        total = data.get(key) or "0"
        # A tampered count is taken as one row; never more rows than the step allows.
        data[key] = str(min((int(total) if total.isdigit() else 1) + 1, self.form_list[step].max_num))
        self._answers_keep(step, self._raw(step, data))
        return self.render(self.get_form(step=step, data=data))

    def _calculate(self):
        # The calculator's figure replaces the quantity typed: checked without it, a quantity far from the dose
        # (refused until confirmed) does not keep the calculator from filling it in.
        data = self.request.POST.copy()
        data["dose-quantity"] = ""
        form = self.get_form(step="dose", data=data)
        if form.is_valid():
            cleaned = form.cleaned_data
            data["dose-mg_per_day"] = str(cleaned["mg_per_day"])
            data["dose-quantity"] = str(form.quantity_for(cleaned["mg_per_day"], cleaned["days_supply"]))
            self._answers_keep("dose", self._raw("dose", data))
            return self.render(self.get_form(step="dose", data=data))
        return self.render(self.get_form(step="dose", data=self.request.POST))  # the messages, the quantity typed

    # ------------------------------------------------------------ rendering

    def _policy_known(self) -> bool:
        """Whether the draft's answers name a policy version: until then the steps after this one are not known."""
        return self.step_context(through=Layer.POLICY).snapshot is not None

    def _step_list(self):
        shown = list(self.get_form_list())
        if not self._policy_known():
            shown = shown[: shown.index(self.steps.current) + 1]
        done = set(self.storage.data[self.storage.step_data_key])
        return [
            {
                "name": name,
                "title": TITLES[name],
                "url": self.get_step_url(name),
                "current": name == self.steps.current,
                "visited": name in done,
            }
            for name in shown
        ]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        context.update(
            {
                "pa_request": self.draft,
                "step_title": TITLES[step],
                "step_list": self._step_list(),
                # No total before a policy is chosen: the steps it needs are not known yet.
                "step_total": len(self.get_form_list()) if self._policy_known() else None,
                "is_formset": step in FORMSET_STEPS,
            }
        )
        policy_data = self.step_context(through=Layer.BASE).policy_data
        if step in FORMSET_STEPS:
            context["drug_options"] = policy_data.drug_options_html
        if step == "diagnosis":
            context["diagnosis_options"] = f.diagnosis_options(policy_data.catalog)
            context["severity_needed_for"] = " ".join(form.severity_needed_for())
        if step in STEP_NEEDS:
            full = self.step_context()
            if full.diagnosis and not STEP_NEEDS[step](full.needs):
                name = full.catalog.diagnoses[full.diagnosis].name
                context["step_not_needed"] = MSG_STEP_NOT_NEEDED.format(diagnosis=name)
        if step == "dose":
            context.update(self._dose_context())
        if step == "review":
            context.update(self._review_context())
        return context

    def _dose_context(self):
        full = self.step_context()
        limits = []
        snap = full.snapshot
        if snap is not None and full.diagnosis:
            limits = snap.limits_for(request_type=full.request_type, diagnosis=full.diagnosis)
        return {"limits": limits, "weight_kg": full.weight_kg}

    def _review_context(self):
        steps, summary = {}, []
        for name in self.get_form_list():
            if name == "review":
                continue
            form = self.get_form(step=name, data=self.storage.get_step_data(name))
            if form.is_valid():
                steps[name] = form.rows() if name in FORMSET_STEPS else form.cleaned_data
            summary.append(
                {
                    "title": TITLES[name],
                    "url": self.get_step_url(name),
                    "rows": summarize(form, name),
                    "valid": form.is_valid(),
                }
            )
        precheck = None
        if "policy" in steps:
            context = self.step_context()
            determination, _, errors = determination_compute(
                data=request_build(steps), policy_data=context.policy_data, today=context.today
            )
            precheck = {
                "determination": determination,
                "errors": errors,
                "unmet": [r for r in determination.reasons if not r.met] if determination else [],
                "words": Decision(determination.decision).label if determination else None,
            }
        return {"summary": summary, "precheck": precheck, "profile": self.prescriber_profile}

    def done(self, form_list, form_dict=None, **kwargs):
        steps = {
            name: (form.rows() if name in FORMSET_STEPS else form.cleaned_data)
            for name, form in form_dict.items()
            if name != "review"
        }
        profile = form_dict["review"].context.profile
        try:
            pa = pa_request_submit(
                pa_request_id=self.draft.pk,
                owner=self.request.user,
                contract_request=request_build(steps),
                answers=dict(self.storage.data.get("step_data", {})),
                urgency=steps["policy"]["urgency"],
                patient_name=steps["patient"]["patient_name"],
                member_id=steps["patient"]["member_id"],
                profile=profile,
            )
        except SubmitError as error:
            form = form_dict["review"]
            for path, problems in error.errors.items():
                for problem in problems:
                    form.add_error(None, f"{path}: {problem}")
            self.storage.current_step = "review"
            return self.render(form)
        return redirect("pa-request-detail", pk=pa.pk)


def summarize(form, name) -> list[tuple[str, str]]:
    """(label, value in words) for a step's answers, as the prescriber gave them."""
    if name in FORMSET_STEPS:
        if not form.is_valid():
            return [("Rows", "to be completed")]
        rows = form.rows()
        if name == "therapies":
            outcomes, therapies = dict(f.OUTCOMES), []
            for row in rows:
                months = "?" if row.get("months") is None else row["months"]
                details = trial_detail_words(f.trial_details(row))
                therapies.append((row["drug"], f"{months} months, {outcomes[row['outcome']]}{details}"))
            return therapies or [("Prior therapies", "none")]
        return [("Drug", row["drug"]) for row in rows] or [("Concomitant drugs", "none")]
    rows = []
    for bound in form:
        value = form.data.get(bound.html_name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        choices = dict(getattr(bound.field, "choices", []) or [])
        shown = choices.get(value, value) if choices else value
        if bound.name in ("expedited_attestation", "attestation", "quantity_confirmed"):
            continue
        if shown not in ("", None):
            rows.append((bound.label, str(shown)))
    return rows


def decision_words(pa: PARequest) -> str:
    """The engine's decision in a clinician's words until a person decides; then the status."""
    if pa.status == STATUS_FOR_DECISION.get(pa.decision):
        return pa.get_decision_display()
    return pa.get_status_display()


@prescriber_required
def request_list(request):
    rows = pa_requests_list_for_owner(owner=request.user)
    return render(request, "pa_requests/list.html", {"page": PageWithoutCount(rows, request.GET.get("page"))})


@prescriber_required
@require_POST
def request_new(request):
    try:
        pa = pa_request_create(owner=request.user)
    except ValidationError as error:  # too many drafts open
        messages.error(request, error.messages[0])
        return redirect("pa-request-list")
    return redirect("pa-request-step", pk=pa.pk, step="policy")


@prescriber_required
def request_detail(request, pk):
    pa = pa_request_get_for_user(user=request.user, pa_request_id=pk)
    if pa.is_draft:
        return redirect("pa-request-step", pk=pa.pk, step=pa.wizard.get("step") or "policy")
    return render(
        request,
        "pa_requests/detail.html",
        {
            "pa": pa,
            "words": decision_words(pa),
            "determination": pa.determination,
            "events": pa.events.select_related("actor"),
            "attachments": pa.attachments.all(),
            "last_decision": pa.last_decision,
            "answer_form": AnswerForm(),
            "appeal_form": AppealForm(),
            "withdraw_form": WithdrawForm(),
            "attach_form": AttachmentForm(),
        },
    )


@prescriber_required
def request_letter(request, pk):
    pa = pa_request_get_for_user(user=request.user, pa_request_id=pk)
    if pa.is_draft:
        return redirect("pa-request-detail", pk=pa.pk)
    return render(
        request,
        "pa_requests/letter.html",
        {
            "pa": pa,
            "words": decision_words(pa),
            "determination": pa.determination,
            "last_decision": pa.last_decision,
            "unmet": [r for r in (pa.determination or {}).get("reasons", []) if not r.get("met")],
            "appeal": appeal_rights_for(pa_request=pa),
        },
    )


@prescriber_required
@require_POST
def request_renew(request, pk):
    original = pa_request_get_for_user(user=request.user, pa_request_id=pk)
    if original.status not in APPROVED_STATUSES | {PARequest.Status.EXPIRED}:
        messages.error(request, "A renewal starts from an approval.")
        return redirect("pa-request-detail", pk=original.pk)
    try:
        pa = pa_request_create(owner=request.user, renewal_of=original)
    except ValidationError as error:  # too many drafts open
        messages.error(request, error.messages[0])
        return redirect("pa-request-detail", pk=original.pk)
    messages.info(request, "A renewal draft was started from your earlier request: check each step.")
    return redirect("pa-request-step", pk=pa.pk, step="policy")


@prescriber_required
@require_POST
def request_discard(request, pk):
    pa_request_discard(pa_request=pa_request_get_for_user(user=request.user, pa_request_id=pk))
    messages.info(request, "Draft discarded.")
    return redirect("pa-request-list")


@prescriber_required
def profile_edit(request):
    profile = PrescriberProfile.objects.filter(user=request.user).first()
    form = f.ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.user = request.user
        saved.save()
        messages.success(request, "Profile saved.")
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("pa-request-list")
    return render(request, "pa_requests/profile.html", {"form": form})


@prescriber_required
def notifications(request):
    items = list(request.user.notifications.select_related("pa_request")[:100])
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "pa_requests/notifications.html", {"items": items})
