"""Drug lists by class (issue 15 item 11): a list may name drug classes, and every drug of a class (and every
biosimilar of one) is on it, so a drug added to the class in the catalog joins every list that names the class.

Each test edits a draft copy of FEP 5.70.050 (effective 2027-01-01) so the version in force keeps its printed
lists. Expected members are written by hand from FEP Appendix 2 (Biological DMARDs) and the catalog's classes
(fixtures/catalog.json): the catalog's "Biologic DMARD" class holds exactly the twenty printed biologicals and
their biosimilars. Florida Blue's seed list of agents not permitted in combination names the JAK inhibitor and
S1P modulator classes, as its text does.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from kineret_pa.policies import models as m
from kineret_pa.policies.diff import DiffLine, versions_diff
from kineret_pa.policies.dump import version_dump
from kineret_pa.policies.readback import CLASS_WORDS, version_readback
from kineret_pa.policies.snapshots import policy_data_get
from kineret_pa.policies.versions import version_copy_as_draft
from tests.admin.forms import login, rendered_data
from tests.conftest import DELETE, FB_RA, FEP_RA, build, unmet

FEP = "fep-5.70.050"
DRAFT = "2027-01-01"
FEP_4 = "Prior-Approval Requirements, AND ALL 4"  # NOT with any other biologic DMARD or tsDMARD (Appendix 2)
FEP_1E = "Prior-Approval Requirements, Diagnoses 1.e"  # preferred products (Appendix 3)
BIOLOGIC = "fep-app2-biologic"
TARGETED = "fep-app2-targeted"
STANDARD_PREFERRED = "fep-app3-ra-standard-basic"
FB = "floridablue-09-J0000-45"
FB_NOT_PERMITTED = "fb-not-permitted"
FB_INITIATION_4 = "Initiation 4"  # NOT with another biologic immunomodulator, JAK inhibitor, … or S1P modulator

# FEP Appendix 2, "Biological disease-modifying antirheumatic drugs (DMARDs)", in generic-name order.
APPENDIX_2_BIOLOGICALS = [
    "abatacept",
    "adalimumab",
    "anakinra",
    "bimekizumab-bkzx",
    "brodalumab",
    "certolizumab",
    "etanercept",
    "golimumab",
    "guselkumab",
    "infliximab",
    "ixekizumab",
    "risankizumab-rzaa",
    "rituximab",
    "sarilumab",
    "secukinumab",
    "spesolimab-sbzo",
    "tildrakizumab-asmn",
    "tocilizumab",
    "ustekinumab",
    "vedolizumab",
]


def _drug_class(code: str) -> m.DrugClass:
    return m.DrugClass.objects.get(code=code)


def _by_class(version: m.PolicyVersion, list_code: str, *class_codes: str) -> m.DrugList:
    """The list of the draft with its drugs listed one by one removed and the classes named instead."""
    dl = m.DrugList.objects.get(version=version, code=list_code)
    dl.entries.all().delete()
    dl.classes.set([_drug_class(code) for code in class_codes])
    return dl


def _members(version: m.PolicyVersion, list_code: str) -> list[tuple[str, bool]]:
    """The list as the engine reads it: (generic name, biosimilars of it count too), in order."""
    snap = policy_data_get().snapshot(version.id)
    drugs = snap.catalog.drugs
    return [(drugs[drug_id].generic_name, biosimilars) for drug_id, biosimilars in snap.drug_lists[list_code].entries]


@pytest.fixture
def draft(policy_data, policy_staff):
    version = m.PolicyVersion.objects.in_force(dt.date(2026, 6, 15)).get(policy__code=FEP)
    return version_copy_as_draft(version=version, effective_date=dt.date.fromisoformat(DRAFT), user=policy_staff)


@pytest.fixture
def biologics_by_class(draft):
    """Appendix 2's biologicals named as the class "Biologic DMARD" instead of one by one."""
    return _by_class(draft, BIOLOGIC, "bdmard")


def _concomitant(*drugs: str) -> dict:
    return build(FEP_RA, concomitant_drugs=list(drugs), version=DRAFT)


# ---------------------------------------------------------------- what a list naming a class holds


def test_a_list_naming_a_class_holds_every_drug_of_it_each_with_its_biosimilars(biologics_by_class, draft):
    # Biosimilars (Hadlima, Inflectra, Tyenne…) are in the class too but count through their reference product.
    assert _members(draft, BIOLOGIC) == [(generic, True) for generic in APPENDIX_2_BIOLOGICALS]


def test_a_list_by_class_holds_what_the_printed_list_held(biologics_by_class, draft):
    in_force = m.PolicyVersion.objects.get(policy__code=FEP, status=m.PolicyVersion.Status.ACTIVE)

    assert sorted(_members(draft, BIOLOGIC)) == sorted(_members(in_force, BIOLOGIC))


def test_a_biosimilar_of_a_class_drug_is_refused_as_concomitant_therapy(biologics_by_class, determine):
    result = determine(_concomitant("Hadlima"))  # adalimumab-bwwd, a Humira biosimilar

    assert result["decision"] == "deny"
    assert FEP_4 in unmet(result)


def test_a_drug_listed_one_by_one_keeps_its_terms_beside_its_class(draft):
    # Actemra is listed without its biosimilars; the IL-6 class brings sarilumab and the tocilizumab
    # biosimilars as entries of their own, since the listed Actemra does not cover them.
    dl = m.DrugList.objects.get(version=draft, code=STANDARD_PREFERRED)
    dl.entries.exclude(drug__generic_name="tocilizumab").delete()
    dl.classes.set([_drug_class("il6-inhibitor")])

    assert _members(draft, STANDARD_PREFERRED) == [
        ("tocilizumab", False),
        ("sarilumab", True),
        ("tocilizumab-aazg", True),
        ("tocilizumab-bavi", True),
    ]


def test_a_reference_product_and_its_biosimilar_from_one_class_are_one_product(draft, determine):
    # Appendix 3 asks for TWO preferred products; Actemra then Tyenne (its biosimilar) is one.
    _by_class(draft, STANDARD_PREFERRED, "il6-inhibitor")
    tried = [
        {"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"},
        {"drug": "Actemra", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Tyenne", "months": 4, "outcome": "inadequate_response"},
    ]

    one_product = determine(build(FEP_RA, prior_therapies=tried, version=DRAFT))
    two_products = determine(
        build(FEP_RA, prior_therapies=[*tried[:2], {**tried[2], "drug": "Kevzara"}], version=DRAFT)
    )

    assert one_product["decision"] == "deny"
    assert FEP_1E in unmet(one_product)
    assert FEP_4 not in unmet(one_product)
    assert two_products["decision"] == "approve"


def test_florida_blue_names_the_jak_and_s1p_classes_beside_their_printed_members(policy_data):
    # Initiation 4: "Janus kinase (JAK) inhibitor [Cibinquo (abrocitinib), … Xeljanz/Xeljanz XR (tofacitinib)]" and
    # "sphingosine-1-phosphate (S1P) modulator [Velsipity (etrasimod) and Zeposia (ozanimod)]": the text names the
    # classes and prints every member, so the list keeps the printed drugs and names the classes too.
    fb = m.PolicyVersion.objects.get(policy__code=FB, status=m.PolicyVersion.Status.ACTIVE)
    dl = m.DrugList.objects.get(version=fb, code=FB_NOT_PERMITTED)
    printed = [(e.drug.generic_name, e.include_biosimilars) for e in dl.entries.order_by("order", "id")]

    assert [c.code for c in dl.classes.order_by("code")] == ["jak-inhibitor", "s1p-modulator"]
    assert _members(fb, FB_NOT_PERMITTED) == printed  # today the classes hold no drug the text does not print
    assert printed[-11:] == [
        ("abrocitinib", False),
        ("deuruxolitinib", False),
        ("ritlecitinib", False),
        ("baricitinib", False),
        ("ruxolitinib", False),
        ("upadacitinib", False),
        ("tofacitinib", False),
        ("apremilast", False),
        ("deucravacitinib", False),
        ("etrasimod", False),
        ("ozanimod", False),
    ]


# ---------------------------------------------------------------- the catalog moves the list, not an edit of it


def test_a_new_jak_inhibitor_in_the_catalog_is_refused_with_anakinra_by_florida_blue(policy_data, determine):
    jyseleca = m.Drug.objects.create(generic_name="filgotinib")
    m.DrugName.objects.create(drug=jyseleca, name="Jyseleca", kind=m.DrugName.Kind.BRAND)
    request = build(FB_RA, concomitant_drugs=["methotrexate", "Jyseleca"])
    before = determine(request)

    jyseleca.classes.add(_drug_class("jak-inhibitor"))
    after = determine(request)

    assert before["decision"] == "approve"
    assert after["decision"] == "deny"
    assert FB_INITIATION_4 in unmet(after)


def test_a_biosimilar_added_to_the_catalog_joins_the_list_at_the_next_determination(biologics_by_class, determine):
    wezlana = m.Drug.objects.create(
        generic_name="ustekinumab-auub", biosimilar_of=m.Drug.objects.get(generic_name="ustekinumab")
    )
    m.DrugName.objects.create(drug=wezlana, name="Wezlana", kind=m.DrugName.Kind.BRAND)
    wezlana.classes.add(_drug_class("bdmard"))

    result = determine(_concomitant("Wezlana"))

    assert result["decision"] == "deny"
    assert FEP_4 in unmet(result)


def test_a_new_drug_joins_the_list_when_the_catalog_puts_it_in_the_class(biologics_by_class, determine):
    omvoh = m.Drug.objects.create(generic_name="mirikizumab")
    m.DrugName.objects.create(drug=omvoh, name="Omvoh", kind=m.DrugName.Kind.BRAND)
    before = determine(_concomitant("Omvoh"))

    omvoh.classes.add(_drug_class("bdmard"))
    after = determine(_concomitant("Omvoh"))

    assert before["decision"] == "approve"
    assert after["decision"] == "deny"
    assert FEP_4 in unmet(after)


def test_a_drug_taken_out_of_the_class_leaves_the_list(biologics_by_class, draft, determine):
    before = determine(_concomitant("Cosentyx"))
    m.Drug.objects.get(generic_name="secukinumab").classes.remove(_drug_class("bdmard"))

    after = determine(_concomitant("Cosentyx"))
    in_force = determine(build(_concomitant("Cosentyx"), version=DELETE))

    assert before["decision"] == "deny"
    assert after["decision"] == "approve"
    assert ("secukinumab", True) not in _members(draft, BIOLOGIC)
    # The version in force lists Cosentyx by name: the catalog's class does not change it.
    assert in_force["decision"] == "deny"


# ---------------------------------------------------------------- export, copy, diff, read-back, admin


def test_an_export_writes_the_classes_and_loads_them_back(biologics_by_class, draft, tmp_path):
    call_command("export_policies", str(tmp_path))
    exported = json.loads((tmp_path / "policies" / f"{FEP}.json").read_text(encoding="utf-8"))
    (item,) = [v for v in exported["versions"] if v["effective_date"] == DRAFT]
    (biologic,) = [dl for dl in item["drug_lists"] if dl["code"] == BIOLOGIC]
    assert biologic["classes"] == ["bdmard"]
    assert biologic["entries"] == []

    from kineret_pa.policies.loading import version_load

    loaded = version_load(draft.policy, {**item, "effective_date": "2027-03-01"})

    assert list(m.DrugList.objects.get(version=loaded, code=BIOLOGIC).classes.values_list("code", flat=True)) == [
        "bdmard"
    ]
    assert _members(loaded, BIOLOGIC) == [(generic, True) for generic in APPENDIX_2_BIOLOGICALS]


def test_a_copy_of_a_draft_keeps_its_classes(biologics_by_class, draft, policy_staff):
    copy = version_copy_as_draft(version=draft, effective_date=dt.date(2027, 2, 1), user=policy_staff)

    assert {c.code for c in m.DrugList.objects.get(version=copy, code=BIOLOGIC).classes.all()} == {"bdmard"}
    assert version_dump(copy) == {**version_dump(draft), "effective_date": "2027-02-01"}


def test_the_diff_says_a_class_added_and_removed_in_words(draft):
    m.DrugList.objects.get(version=draft, code=TARGETED).classes.add(_drug_class("jak-inhibitor"))
    in_force = m.PolicyVersion.objects.get(policy__code=FEP, status=m.PolicyVersion.Status.ACTIVE)
    subject = "Targeted synthetic DMARDs (Appendix 2) (fep-app2-targeted)"

    assert versions_diff(old=in_force, new=draft) == [
        DiffLine("Drug lists", "changed", subject, "drug classes added: every JAK inhibitor drug (and biosimilars)")
    ]
    assert versions_diff(old=draft, new=in_force) == [
        DiffLine("Drug lists", "changed", subject, "drug classes removed: every JAK inhibitor drug (and biosimilars)")
    ]


def test_the_read_back_says_every_drug_of_the_class(biologics_by_class, draft):
    (line,) = [line for line in version_readback(version=draft) if line.clause == FEP_4]

    assert CLASS_WORDS == "every {name} drug (and biosimilars)"
    assert line.params_words.startswith(
        "none of Biological DMARDs (Appendix 2) (Appendix 2 - List of DMARDs): every Biologic DMARD drug "
        "(and biosimilars); Targeted synthetic DMARDs (Appendix 2) (Appendix 2 - List of DMARDs): apremilast"
    )


def _list_url(dl: m.DrugList) -> str:
    return reverse("admin:policies_druglist_change", args=[dl.pk])


def test_policy_staff_add_a_class_to_a_draft_list_in_the_admin(client, policy_staff, draft):
    login(client, policy_staff)
    dl = m.DrugList.objects.get(version=draft, code=TARGETED)
    page = client.get(_list_url(dl))
    data = rendered_data(page)
    data["classes"] = [str(_drug_class("jak-inhibitor").pk)]

    response = client.post(_list_url(dl), data)

    assert response.status_code == 302
    assert [c.code for c in dl.classes.all()] == ["jak-inhibitor"]


def test_a_list_of_the_version_in_force_takes_no_class_in_the_admin(client, policy_staff, policy_data):
    login(client, policy_staff)
    dl = m.DrugList.objects.get(version__policy__code=FEP, version__status=m.PolicyVersion.Status.ACTIVE, code=TARGETED)

    response = client.post(_list_url(dl), {"classes": [str(_drug_class("jak-inhibitor").pk)]})

    assert response.status_code == 403
    assert not dl.classes.exists()
