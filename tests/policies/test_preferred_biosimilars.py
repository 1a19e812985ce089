"""FEP Appendix 3 "Humira** — including all preferred biosimilars" (issue 15, item 4): the text names a preferred
subset of adalimumab biosimilars without listing it. Each plan's list entry for Humira may name its preferred
biosimilars (policy staff, in the admin); an empty list means every adalimumab biosimilar counts, as the seed
data has it."""

from kineret_pa.policies import models as m
from kineret_pa.policies.dump import version_dump
from tests.conftest import FEP_RA, build

FEP = "fep-5.70.050"
PA_1E = "Prior-Approval Requirements, Diagnoses 1.e"
MTX = {"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"}


def _tried(*drugs):
    return [MTX, *({"drug": d, "months": 4, "outcome": "inadequate_response"} for d in drugs)]


def _humira_entry(plan_list: str) -> m.DrugListEntry:
    version = m.PolicyVersion.objects.get(policy__code=FEP, status="active")
    return m.DrugListEntry.objects.get(
        drug_list__version=version, drug_list__code=plan_list, drug__generic_name="adalimumab"
    )


def test_with_no_preferred_biosimilars_named_every_adalimumab_biosimilar_counts_as_humira(determine):
    assert determine(build(FEP_RA, prior_therapies=_tried("Hyrimoz", "Enbrel")))["decision"] == "approve"


def test_a_biosimilar_the_plan_does_not_prefer_does_not_count_as_humira(determine):
    entry = _humira_entry("fep-app3-ra-standard-basic")
    entry.preferred_biosimilars.set([m.Drug.objects.get(generic_name="adalimumab-bwwd")])  # Hadlima

    preferred = determine(build(FEP_RA, prior_therapies=_tried("Hadlima", "Enbrel")))
    other = determine(build(FEP_RA, prior_therapies=_tried("Hyrimoz", "Enbrel")))

    assert preferred["decision"] == "approve"
    assert other["decision"] == "deny"
    assert PA_1E in [r["clause"] for r in other["reasons"] if not r["met"]]


def test_humira_itself_still_counts_when_preferred_biosimilars_are_named(determine):
    _humira_entry("fep-app3-ra-standard-basic").preferred_biosimilars.set(
        [m.Drug.objects.get(generic_name="adalimumab-bwwd")]
    )

    assert determine(build(FEP_RA, prior_therapies=_tried("Humira", "Enbrel")))["decision"] == "approve"


def test_the_preferred_biosimilars_are_exported_with_their_entry(policy_data):
    entry = _humira_entry("fep-app3-ra-blue-focus")
    entry.preferred_biosimilars.set([m.Drug.objects.get(generic_name="adalimumab-bwwd")])

    dumped = version_dump(entry.drug_list.version)

    lists = {dl["code"]: dl for dl in dumped["drug_lists"]}
    humira = next(
        e for e in lists["fep-app3-ra-blue-focus"]["entries"] if isinstance(e, dict) and e["drug"] == "adalimumab"
    )
    assert humira["preferred_biosimilars"] == ["adalimumab-bwwd"]
