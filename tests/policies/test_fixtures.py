"""Every seed table, list, threshold and clause of the three policies, as printed, in the database.

These read the database after `policies_load` (through the ORM), so a transcription
slip in fixtures/ or a loader that drops or alters a value fails here. Each expected
value below is copied from the policy texts in /work/shared/policies/.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from kineret_pa.policies import models as m

DATE = dt.date(2026, 6, 15)  # every policy's current version is in force on this date
CIGNA, FEP, FB = "cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"


@pytest.fixture(autouse=True)
def _loaded(policy_data):
    """The policies as loaded once per test database."""


# ------------------------------------------------------------------ helpers


def version_of(code: str) -> m.PolicyVersion:
    return m.PolicyVersion.objects.in_force(DATE).get(policy__code=code)


def drug_list(code: str, list_code: str) -> m.DrugList:
    return m.DrugList.objects.get(version=version_of(code), code=list_code)


def entries(dl: m.DrugList) -> list[tuple[str, bool]]:
    return [
        (e.drug.generic_name, e.include_biosimilars) for e in dl.entries.order_by("order", "id").select_related("drug")
    ]


def generics(dl: m.DrugList) -> list[str]:
    return [generic for generic, _ in entries(dl)]


def drug_named(name: str) -> m.Drug:
    return m.DrugName.objects.select_related("drug").get(normalized=m.normalize_name(name)).drug


def limits(code: str, **filters) -> list[m.QuantityLimit]:
    return list(m.QuantityLimit.objects.filter(version=version_of(code), **filters).order_by("order"))


def slugs(queryset) -> set[str]:
    return set(queryset.values_list("slug", flat=True))


def node(code: str, clause: str, kind: str) -> m.CriterionNode:
    return m.CriterionNode.objects.get(version=version_of(code), clause=clause, kind=kind)


def nodes(code: str, clause: str, kind: str) -> list[m.CriterionNode]:
    return list(m.CriterionNode.objects.filter(version=version_of(code), clause=clause, kind=kind).order_by("id"))


def policy_diagnosis(code: str, slug: str) -> m.PolicyDiagnosis:
    return m.PolicyDiagnosis.objects.get(version=version_of(code), diagnosis__slug=slug)


def dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# ------------------------------------------------------------------ the policies themselves


@pytest.mark.parametrize(
    "code, payer, number, kind, effective",
    [
        (CIGNA, "cigna", "DQM008", "quantity", dt.date(2025, 11, 1)),  # "Effective Date 11/01/2025"
        (FEP, "bcbs-fep", "5.70.050", "prior_auth", dt.date(2025, 4, 1)),  # "Effective Date: April 1, 2025"
        (FB, "florida-blue", "09-J0000-45", "coverage", dt.date(2026, 1, 1)),  # "Revised: 01/01/26"
    ],
)
def test_each_policy_is_loaded_with_its_number_payer_and_version_in_force(code, payer, number, kind, effective):
    policy = m.Policy.objects.get(code=code)
    assert (policy.payer.slug, policy.number, policy.kind, policy.drug.generic_name) == (
        payer,
        number,
        kind,
        "anakinra",
    )
    version = version_of(code)
    assert version.effective_date == effective
    assert version.status == m.PolicyVersion.Status.ACTIVE


def test_the_governed_product_is_kineret_100_mg_in_0_67_ml_prefilled_syringe():
    product = m.Product.objects.get(drug__generic_name="anakinra")
    assert (product.strength_mg, product.volume_ml, product.form) == (
        Decimal("100"),
        Decimal("0.67"),
        "prefilled syringe",
    )
    # Florida Blue's QL: "28 syringes (18.76 mL)/28 days" = 28 x 0.67 mL
    assert product.volume_ml * 28 == Decimal("18.76")


# ------------------------------------------------------------------ Cigna DQM008

# Table 1. Kineret Syringe Approval Quantity for CAPS or DIRA:
# weight kg, max mg/day (8 mg/kg/day), syringes/day, retail syringes per 28 days, home delivery syringes per 84 days
CIGNA_TABLE_1 = [
    (15, 120, 2, 56, 168),
    (20, 160, 2, 56, 168),
    (25, 200, 2, 56, 168),
    (30, 240, 3, 84, 252),
    (35, 280, 3, 84, 252),
    (40, 320, 4, 112, 336),
    (45, 360, 4, 112, 336),
    (50, 400, 4, 112, 336),
    (55, 440, 5, 140, 420),
    (60, 480, 5, 140, 420),
    (65, 520, 6, 168, 504),
    (70, 560, 6, 168, 504),
    (75, 600, 6, 168, 504),
    (80, 640, 7, 196, 588),
    (85, 680, 7, 196, 588),
    (90, 720, 8, 224, 672),
    (95, 760, 8, 224, 672),
    (100, 800, 8, 224, 672),
]


def cigna_table() -> m.WeightTable:
    return m.WeightTable.objects.get(version=version_of(CIGNA), code="cigna-table-1")


@pytest.mark.parametrize("weight, max_mg, syringes, retail, home_delivery", CIGNA_TABLE_1)
def test_cigna_table_1_row_is_stored_as_printed(weight, max_mg, syringes, retail, home_delivery):
    row = cigna_table().rows.get(weight_kg=weight)
    assert row.max_mg_per_day == max_mg
    assert row.syringes_per_day == syringes
    assert (row.retail_quantity, row.retail_days) == (retail, 28)
    assert (row.home_delivery_quantity, row.home_delivery_days) == (home_delivery, 84)


def test_cigna_table_1_has_exactly_the_18_printed_rows():
    assert list(cigna_table().rows.order_by("weight_kg").values_list("weight_kg", flat=True)) == [
        Decimal(w) for w, *_ in CIGNA_TABLE_1
    ]


@pytest.mark.parametrize("weight, max_mg, syringes, retail, home_delivery", CIGNA_TABLE_1)
def test_cigna_table_1_row_is_8_mg_per_kg_in_whole_100_mg_syringes(weight, max_mg, syringes, retail, home_delivery):
    assert max_mg == 8 * weight
    assert syringes == math.ceil(max_mg / 100)
    assert (retail, home_delivery) == (syringes * 28, syringes * 84)


def test_cigna_table_1_bounds_base_limits_up_to_10_kg_and_pharmacist_above_100_kg():
    table = cigna_table()
    # "≤ 10 kg | ≤ 80 mg | 1 | No override needed. Base limits provide a quantity sufficient."
    assert table.base_sufficient_max_kg == 10
    assert 8 * table.base_sufficient_max_kg == 80  # ≤ 80 mg/day: one 100 mg syringe a day
    # "> 100 kg | Consult Utilization Management Pharmacist to assist with quantity calculation."
    assert table.refer_above_kg == 100
    assert table.title == "Table 1. Kineret Syringe Approval Quantity for CAPS or DIRA"


def test_cigna_base_limits_are_28_per_28_days_retail_and_84_per_84_days_home_delivery():
    base = [(row.channel, row.kind, row.quantity, row.period_days) for row in limits(CIGNA, condition__isnull=True)]
    assert base == [("retail", "fixed", 28, 28), ("home_delivery", "fixed", 84, 84)]
    assert all(row.clause == "Drug Quantity Limits" for row in limits(CIGNA, condition__isnull=True))


def test_cigna_caps_or_dira_exception_uses_table_1_on_criteria_1():
    (limit,) = limits(CIGNA, kind="weight_table")
    assert limit.weight_table == cigna_table()
    assert limit.condition.key == "criteria-1"
    assert limit.grant == "requested"
    gate = limit.condition.children.get(gate=True)
    assert set(gate.params["diagnoses"]) == {"caps", "dira"}


def test_cigna_stills_exception_is_56_per_28_days_retail_and_168_per_84_days_home_delivery():
    stills = [
        (row.channel, row.quantity, row.period_days, row.grant) for row in limits(CIGNA, condition__key="criteria-2")
    ]
    assert stills == [("retail", 56, 28, "requested"), ("home_delivery", 168, 84, "requested")]
    gate = m.CriterionNode.objects.get(version=version_of(CIGNA), parent__key="criteria-2", gate=True)
    assert gate.params["diagnoses"] == ["stills"]
    assert slugs(m.Diagnosis.objects.filter(parent__slug="stills")) == {"sjia", "aosd"}


def test_cigna_car_t_exception_is_a_one_time_112_syringes_for_30_days():
    (limit,) = limits(CIGNA, condition__key="criteria-3")
    assert (limit.kind, limit.quantity, limit.one_time, limit.duration_days) == ("fixed", 112, True, 30)
    assert limit.grant == "requested"


def test_cigna_approvals_last_1_year():
    durations = list(m.ApprovalDuration.objects.filter(version=version_of(CIGNA)))
    assert [(d.months, d.days, d.request_type) for d in durations] == [(12, None, "")]
    assert durations[0].diagnoses.count() == 0


@pytest.mark.parametrize("clause", ["Criteria 1", "Criteria 2", "Criteria 3"])
def test_cigna_exception_criteria_keep_their_labels(clause):
    assert nodes(CIGNA, clause, "all")
    assert node(CIGNA, "Criteria", "any").key == "exceptions"


@pytest.mark.parametrize(
    "brand, generic",
    [
        ("Abecma", "idecabtagene vicleucel"),
        ("Aucatzyl", "obecabtagene autoleucel"),
        ("Breyanzi", "lisocabtagene maraleucel"),
        ("Carvykti", "ciltacabtagene autoleucel"),
        ("Kymriah", "tisagenlecleucel"),
        ("Tecartus", "brexucabtagene autoleucel"),
        ("Yescarta", "axicabtagene ciloleucel"),
    ],
)
def test_cigna_car_t_examples_are_listed(brand, generic):
    dl = drug_list(CIGNA, "cigna-car-t-examples")
    assert drug_named(brand).generic_name == generic
    assert generic in generics(dl)
    assert len(generics(dl)) == 7


@pytest.mark.parametrize(
    "slug, status, min_age, fda_mg, fda_mg_kg, comp_mg, comp_mg_kg",
    [
        ("ra", "fda_labeled", 18, 100, None, None, None),  # adults; 100 mg QD
        ("nomid", "fda_labeled", None, None, 8, None, None),  # max 8 mg/kg daily
        ("dira", "fda_labeled", None, None, 8, None, None),  # max 8 mg/kg QD
        ("castleman", "compendia", None, None, None, 100, None),  # 100 mg SC QD
        ("ecd", "compendia", None, None, None, 100, None),  # 100 mg SC QD
        ("ici_hlh", "compendia", None, None, None, 400, None),  # up to 100 mg every 6 hours
        ("car_t", "compendia", None, None, None, 400, None),  # up to 100 mg every 6 hours
        ("sjia", "compendia", None, None, None, None, 4),  # 4 mg/kg/day in children
        ("aosd", "compendia", None, None, None, 200, None),  # up to 200 mg/day in adults
    ],
)
def test_cigna_indications_and_doses(slug, status, min_age, fda_mg, fda_mg_kg, comp_mg, comp_mg_kg):
    pd = policy_diagnosis(CIGNA, slug)
    assert pd.status == status
    assert (pd.labeled_min_age, pd.fda_max_mg_per_day, pd.fda_max_mg_per_kg_day) == (
        dec(min_age),
        dec(fda_mg),
        dec(fda_mg_kg),
    )
    assert (pd.compendia_max_mg_per_day, pd.compendia_max_mg_per_kg_day) == (dec(comp_mg), dec(comp_mg_kg))


# ------------------------------------------------------------------ BCBS FEP 5.70.050

FEP_CONVENTIONAL = [  # Appendix 2: Conventional disease-modifying antirheumatic drugs
    ("azathioprine", ["Azasan", "Imuran"]),
    ("cyclophosphamide", ["Cytosan"]),
    ("cyclosporine", ["Neoral", "Gengraf", "Sandimmune"]),
    ("hydroxychloroquine", ["Plaquenil"]),
    ("leflunomide", ["Arava"]),
    ("methotrexate", ["Rheumatrex", "Trexall"]),
    ("mycophenolate", ["Cellcept"]),
    ("sulfasalazine", ["Azulfidine", "Sulfazine"]),
]
FEP_BIOLOGICAL = [  # Appendix 2: Biological disease-modifying antirheumatic drugs
    ("abatacept", ["Orencia"]),
    ("adalimumab", ["Humira"]),
    ("anakinra", ["Kineret"]),
    ("bimekizumab-bkzx", ["Bimzelx"]),
    ("brodalumab", ["Siliq"]),
    ("certolizumab", ["Cimzia"]),
    ("etanercept", ["Enbrel"]),
    ("golimumab", ["Simponi", "Simponi Aria"]),
    ("guselkumab", ["Tremfya"]),
    ("infliximab", ["Remicade"]),
    ("ixekizumab", ["Taltz"]),
    ("risankizumab-rzaa", ["Skyrizi"]),
    ("rituximab", ["Rituxan"]),
    ("sarilumab", ["Kevzara"]),
    ("secukinumab", ["Cosentyx"]),
    ("spesolimab-sbzo", ["Spevigo"]),
    ("tildrakizumab-asmn", ["Ilumya"]),
    ("tocilizumab", ["Actemra"]),
    ("ustekinumab", ["Stelara"]),
    ("vedolizumab", ["Entyvio"]),
]
FEP_TARGETED = [  # Appendix 2: Targeted synthetic disease-modifying antirheumatic drugs
    ("apremilast", ["Otezla"]),
    ("baricitinib", ["Olumiant"]),
    ("deucravacitinib", ["Sotyktu"]),
    ("tofacitinib", ["Xeljanz/XR"]),
    ("upadacitinib", ["Rinvoq", "upadactinib"]),  # printed "upadactinib"
]
FEP_APPENDIX_2 = [
    pytest.param("fep-app2-conventional", FEP_CONVENTIONAL, id="conventional"),
    pytest.param("fep-app2-biologic", FEP_BIOLOGICAL, id="biological"),
    pytest.param("fep-app2-targeted", FEP_TARGETED, id="targeted-synthetic"),
]


@pytest.mark.parametrize("list_code, printed", FEP_APPENDIX_2)
def test_fep_appendix_2_lists_exactly_the_printed_drugs_in_order(list_code, printed):
    dl = drug_list(FEP, list_code)
    assert generics(dl) == [generic for generic, _ in printed]
    assert dl.clause == "Appendix 2 - List of DMARDs"


@pytest.mark.parametrize(
    "generic, name",
    [(generic, name) for generic, names in FEP_CONVENTIONAL + FEP_BIOLOGICAL + FEP_TARGETED for name in names],
)
def test_fep_appendix_2_brand_names_resolve_to_their_generic(generic, name):
    assert drug_named(name).generic_name == generic


def test_fep_appendix_2_biologicals_count_their_biosimilars():
    assert all(include for _, include in entries(drug_list(FEP, "fep-app2-biologic")))


FEP_APPENDIX_1 = [
    "Alcoholism, alcoholic liver disease or other chronic liver disease",
    "Breastfeeding",
    "Blood dyscrasias (e.g., thrombocytopenia, leukopenia, significant anemia)",
    "Elevated liver transaminases",
    "History of intolerance or adverse event",
    "Hypersensitivity",
    "Interstitial pneumonitis or clinically significant pulmonary fibrosis",
    "Myelodysplasia",
    "Pregnancy or planning pregnancy (male or female)",
    "Renal impairment",
    "Significant drug interaction",
]


def test_fep_appendix_1_contraindications_to_methotrexate_as_printed():
    cl = m.ClinicalList.objects.get(version=version_of(FEP), code="fep-app1")
    assert cl.title == "Appendix 1 – Examples of Contraindications to Methotrexate"
    assert list(cl.items.order_by("order").values_list("order", "text")) == list(enumerate(FEP_APPENDIX_1, start=1))


@pytest.mark.parametrize(
    "list_code, plans, required, printed",
    [
        pytest.param(
            "fep-app3-ra-standard-basic",
            {"standard", "basic"},
            2,  # "*must try TWO preferred products"
            [
                ("tocilizumab", False),
                ("etanercept", False),
                ("adalimumab", True),
                ("upadacitinib", False),
                ("tofacitinib", False),
            ],
            id="standard-basic-two",
        ),
        pytest.param(
            "fep-app3-ra-blue-focus",
            {"blue_focus"},
            1,  # "*must try ONE preferred product"
            [("etanercept", False), ("adalimumab", True)],
            id="blue-focus-one",
        ),
    ],
)
def test_fep_appendix_3_preferred_products_per_plan(list_code, plans, required, printed):
    dl = drug_list(FEP, list_code)
    assert dl.kind == m.DrugList.Kind.PREFERRED
    assert dl.diagnosis.slug == "ra"
    assert set(dl.plans.values_list("code", flat=True)) == plans
    assert dl.required_count == required
    assert entries(dl) == printed  # Humira** "Including all preferred biosimilars"
    assert dl.clause == "Appendix 3 - List of Preferred Products"


@pytest.mark.parametrize(
    "name, generic",
    [
        ("Actemra", "tocilizumab"),
        ("Enbrel", "etanercept"),
        ("Humira", "adalimumab"),
        ("Rinvoq", "upadacitinib"),
        ("Xeljanz/XR", "tofacitinib"),
    ],
)
def test_fep_appendix_3_printed_names_resolve(name, generic):
    assert drug_named(name).generic_name == generic


def test_fep_plans_are_standard_basic_and_blue_focus():
    assert set(m.Policy.objects.get(code=FEP).plans.values_list("code", flat=True)) == {
        "standard",
        "basic",
        "blue_focus",
    }


@pytest.mark.parametrize("request_type", ["initial", "renewal"])
@pytest.mark.parametrize(
    "diagnoses, kind, quantity, period_days, mg_per_kg",
    [
        pytest.param({"ra"}, "fixed", 84, 84, None, id="ra-84-per-84-days"),
        pytest.param({"caps"}, "per_kg", None, 28, 8, id="caps-8-mg-kg-day"),
        pytest.param({"dira"}, "per_kg", None, 28, 8, id="dira-8-mg-kg-day"),
        pytest.param({"sjia", "aosd", "gout", "cppd", "car_t"}, "none", None, None, None, id="others-no-limit"),
    ],
)
def test_fep_quantity_limits(request_type, diagnoses, kind, quantity, period_days, mg_per_kg):
    found = [row for row in limits(FEP, request_type=request_type) if slugs(row.diagnoses) == diagnoses]
    assert len(found) == 1
    (limit,) = found
    assert (limit.kind, limit.quantity, limit.mg_per_kg_day) == (kind, quantity, dec(mg_per_kg))
    if kind != "per_kg":  # a per-kg limit's period is the default it is computed over
        assert limit.period_days == period_days
    assert limit.clause == (
        "Prior-Approval Limits, Quantity" if request_type == "initial" else "Prior-Approval Renewal Limits, Quantity"
    )


def test_fep_has_no_other_quantity_limits():
    assert len(limits(FEP)) == 8


@pytest.mark.parametrize("request_type, months", [("initial", 12), ("renewal", 18)])
def test_fep_approval_durations_12_months_then_18_months_on_renewal(request_type, months):
    (duration,) = m.ApprovalDuration.objects.filter(version=version_of(FEP), request_type=request_type)
    assert (duration.months, duration.days) == (months, None)


@pytest.mark.parametrize(
    "slug, status, min_age, fda_mg, fda_mg_kg",
    [
        ("ra", "fda_labeled", 18, 100, None),
        ("nomid", "fda_labeled", None, None, 8),
        ("dira", "fda_labeled", None, None, 8),
        ("sjia", "compendia", None, None, None),
        ("aosd", "compendia", None, None, None),
        ("gout", "compendia", None, None, None),
        ("cppd", "compendia", None, None, None),
        ("car_t", "compendia", None, None, None),
    ],
)
def test_fep_indications(slug, status, min_age, fda_mg, fda_mg_kg):
    pd = policy_diagnosis(FEP, slug)
    assert (pd.status, pd.labeled_min_age, pd.fda_max_mg_per_day, pd.fda_max_mg_per_kg_day) == (
        status,
        dec(min_age),
        dec(fda_mg),
        dec(fda_mg_kg),
    )


@pytest.mark.parametrize(
    "clause, kind, params",
    [
        (
            "Prior-Approval Requirements, Diagnoses 1.a",
            "number_compare",
            {"fact": "patient.age_years", "op": ">=", "value": 18},
        ),
        (
            "Prior-Approval Requirements, Diagnoses 1.b",
            "fact_in",
            {"fact": "severity", "values": ["moderate", "severe"]},
        ),
        (
            "Prior-Approval Requirements, Diagnoses 1.d",
            "number_compare",
            {"fact": "dose.mg_per_day", "op": "<=", "value": 100},
        ),
        ("Prior-Approval Requirements, Diagnoses 2.a", "diagnosis_in", {"diagnoses": ["nomid"]}),
        ("Prior-Approval Requirements, Diagnoses 2.b", "dose_mg_per_kg_at_most", {"mg_per_kg": 8}),
        ("Prior-Approval Requirements, Diagnoses 3.a", "dose_mg_per_kg_at_most", {"mg_per_kg": 8}),
        (
            "Prior-Approval Renewal Requirements, Diagnoses 1.a",
            "number_compare",
            {"fact": "patient.age_years", "op": ">=", "value": 18},
        ),
        (
            "Prior-Approval Renewal Requirements, Diagnoses 1.b",
            "number_compare",
            {"fact": "dose.mg_per_day", "op": "<=", "value": 100},
        ),
        ("Prior-Approval Renewal Requirements, Diagnoses 2.b", "dose_mg_per_kg_at_most", {"mg_per_kg": 8}),
        ("Prior-Approval Renewal Requirements, Diagnoses 3.a", "dose_mg_per_kg_at_most", {"mg_per_kg": 8}),
    ],
)
def test_fep_criterion_thresholds(clause, kind, params):
    assert node(FEP, clause, kind).params == params


def test_fep_conventional_dmard_trial_is_3_months_of_at_least_one():
    params = node(FEP, "Prior-Approval Requirements, Diagnoses 1.c", "trials").params
    assert (params["lists"], params["min_count"], params["min_months"]) == (["fep-app2-conventional"], 1, 3)
    assert set(params["outcomes"]) == {"inadequate_response", "intolerance", "contraindication"}


@pytest.mark.parametrize(
    "clause",
    [f"Prior-Approval Requirements, Diagnoses {n}" for n in range(1, 8)]
    + [f"Prior-Approval Requirements, AND ALL {n}" for n in range(1, 6)]
    + [f"Prior-Approval Renewal Requirements, Diagnoses {n}" for n in range(1, 8)]
    + [f"Prior-Approval Renewal Requirements, AND ALL {n}" for n in range(1, 5)]
    + [
        "Prior-Approval Requirements, Diagnoses 1.c",
        "Prior-Approval Requirements, Diagnoses 1.e",
        "Prior-Approval Renewal Requirements, Diagnoses 1.c",
    ],
)
def test_fep_clause_labels_exist(clause):
    assert m.CriterionNode.objects.filter(version=version_of(FEP), clause=clause).exists()


@pytest.mark.parametrize(
    "clause", ["Prior-Approval Requirements, AND ALL 4", "Prior-Approval Renewal Requirements, AND ALL 3"]
)
def test_fep_no_combination_with_appendix_2_biologic_or_targeted_dmards(clause):
    assert node(FEP, clause, "no_concomitant_from").params == {"lists": ["fep-app2-biologic", "fep-app2-targeted"]}


# ------------------------------------------------------------------ Florida Blue 09-J0000-45

FB_PREFERRED_RA = [  # "The preferred RA products are:"
    ("Adalimumab-aaty", "adalimumab-aaty"),
    ("Adalimumab-adaz", "adalimumab-adaz"),
    ("Enbrel", "etanercept"),
    ("Hadlima", "adalimumab-bwwd"),
    ("Humira", "adalimumab"),
    ("Rinvoq", "upadacitinib"),
    ("Simlandi", "adalimumab-ryvk"),
    ("Xeljanz/Xeljanz XR", "tofacitinib"),
]


def test_florida_blue_has_exactly_eight_preferred_ra_products_three_of_which_must_be_tried():
    dl = drug_list(FB, "fb-ra-preferred")
    assert generics(dl) == [generic for _, generic in FB_PREFERRED_RA]
    assert (dl.kind, dl.diagnosis.slug, dl.required_count) == (m.DrugList.Kind.PREFERRED, "ra", 3)


@pytest.mark.parametrize("printed, generic", FB_PREFERRED_RA)
def test_florida_blue_preferred_ra_product_names_resolve(printed, generic):
    assert drug_named(printed).generic_name == generic


@pytest.mark.parametrize(
    "list_code, printed",
    [
        pytest.param("fb-ra-methotrexate", ["methotrexate"], id="1a-methotrexate"),
        pytest.param(
            "fb-ra-conventional-other", ["hydroxychloroquine", "leflunomide", "sulfasalazine"], id="1b-one-conventional"
        ),
        pytest.param(
            "fb-ra-conventional",
            ["methotrexate", "hydroxychloroquine", "leflunomide", "sulfasalazine"],
            id="1c-1d-conventional",
        ),
    ],
)
def test_florida_blue_conventional_ra_agents(list_code, printed):
    assert generics(drug_list(FB, list_code)) == printed


FB_TABLE_2 = [  # Table 2: Conventional Systemic DMARDs
    ("auranofin", ["Ridaura", "oral gold"]),
    ("azathioprine", ["Imuran"]),
    ("cyclosporine", ["Neoral", "Sandimmune"]),
    ("hydroxychloroquine", ["Plaquenil"]),
    ("leflunomide", ["Arava"]),
    ("methotrexate", ["Rheumatrex", "Trexall"]),
    ("sulfasalazine", ["Azulfidine", "Azulfidine EN-Tabs"]),
]


def test_florida_blue_table_2_conventional_systemic_dmards():
    dl = drug_list(FB, "fb-table-2")
    assert generics(dl) == [generic for generic, _ in FB_TABLE_2]
    assert (dl.name, dl.clause) == ("Table 2: Conventional Systemic DMARDs", "Table 2")


@pytest.mark.parametrize("generic, name", [(g, n) for g, names in FB_TABLE_2 for n in names])
def test_florida_blue_table_2_brand_names_resolve(generic, name):
    assert drug_named(name).generic_name == generic


@pytest.mark.parametrize(
    "printed, generic",
    [
        # JAK inhibitors, as printed in Initiation 4 and Continuation 5 (with their misspellings)
        ("Cibinqo", "abrocitinib"),
        ("Cibinquo", "abrocitinib"),
        ("Cibinvo", "abrocitinib"),
        ("Leqselvi", "deuruxolitinib"),
        ("Litfulo", "ritlecitinib"),
        ("Olumiant", "baricitinib"),
        ("Opzelura", "ruxolitinib"),
        ("Rinvoq", "upadacitinib"),
        ("Rinvoq/Rinvoq LQ", "upadacitinib"),
        ("Xeljanz", "tofacitinib"),
        ("Xeljanz/Xeljanz XR", "tofacitinib"),
        ("Otezla", "apremilast"),
        ("Otezla XR", "apremilast"),
        ("Sotyktu", "deucravacitinib"),
        ("Velsipity", "etrasimod"),
        ("Zeposia", "ozanimod"),
        # TNF antagonists named under Precautions, and the biologic immunomodulators of the RA section
        ("adalimumab", "adalimumab"),
        ("etanercept", "etanercept"),
        ("infliximab", "infliximab"),
        ("certolizumab", "certolizumab"),
        ("golimumab", "golimumab"),
        ("abatacept", "abatacept"),
        ("tocilizumab", "tocilizumab"),
        ("sarilumab", "sarilumab"),
        ("rituximab", "rituximab"),
    ],
)
def test_florida_blue_not_permitted_in_combination(printed, generic):
    assert drug_named(printed).generic_name == generic
    assert generic in generics(drug_list(FB, "fb-not-permitted"))


@pytest.mark.parametrize("clause", ["Initiation 4", "Continuation 5"])
def test_florida_blue_combination_criteria_use_the_not_permitted_list(clause):
    assert node(FB, clause, "no_concomitant_from").params == {"lists": ["fb-not-permitted"]}


FB_ICD10 = [  # ICD-10 Diagnosis Codes That Support Medical Necessity
    ("D47.2", "", "Monoclonal gammopathy [for Schnitzler syndrome only]", {"schnitzler"}),
    ("D47.Z2", "", "Castleman disease", {"castleman"}),
    ("D76.1", "", "Hemophagocytic lymphohistiocytosis", {"ici_hlh"}),
    ("D76.3", "", "Other histiocytosis syndromes", {"ecd"}),
    ("G03.1", "", "Chronic meningitis [for neonatal-onset multisystem inflammatory disease (NOMID) only]", {"nomid"}),
    ("L50.8", "", "Other urticaria [for NOMID and Schnitzler syndrome only]", {"nomid", "schnitzler"}),
    ("M04.8", "", "Other autoinflammatory syndromes [for DIRA only]", {"dira"}),
    ("M05.00", "M05.09", "Felty's syndrome", {"ra"}),
    ("M05.10", "M05.19", "Rheumatoid lung disease with rheumatoid arthritis", {"ra"}),
    ("M05.20", "M05.29", "Rheumatoid vasculitis with rheumatoid arthritis", {"ra"}),
    ("M05.30", "M05.39", "Rheumatoid heart disease with rheumatoid arthritis", {"ra"}),
    ("M05.40", "M05.49", "Rheumatoid myopathy with rheumatoid arthritis", {"ra"}),
    ("M05.50", "M05.59", "Rheumatoid polyneuropathy with rheumatoid arthritis", {"ra"}),
    ("M05.60", "M05.69", "Rheumatoid arthritis with involvement of other organs and systems", {"ra"}),
    ("M05.70", "M05.7A", "Rheumatoid arthritis with rheumatoid factor without organ or systems involvement", {"ra"}),
    ("M05.80", "M05.8A", "Other rheumatoid arthritis with rheumatoid factor", {"ra"}),
    ("M05.9", "", "Rheumatoid arthritis with rheumatoid factor, unspecified", {"ra"}),
    (
        "M05.A",
        "",
        "Abnormal rheumatoid factor and anti-citrullinated protein antibody with rheumatoid arthritis",
        {"ra"},
    ),
    ("M06.00", "M06.0A", "Rheumatoid arthritis without rheumatoid factor", {"ra"}),
    ("M06.1", "", "Adult-onset Still's disease", {"aosd"}),
    ("M06.20", "M06.29", "Rheumatoid bursitis", {"ra"}),
    ("M06.30", "M06.39", "Rheumatoid nodule", {"ra"}),
    ("M06.80", "M06.8A", "Other specified rheumatoid arthritis", {"ra"}),
    ("M06.9", "", "Rheumatoid arthritis, unspecified", {"ra"}),
    ("M08.20", "M08.29", "Juvenile rheumatoid arthritis with systemic onset", {"sjia"}),
    (
        "Q87.89",
        "",
        "Other specified congenital malformation syndromes, not elsewhere classified [for NOMID only]",
        {"nomid"},
    ),
    ("T80.82XA", "", "Complication of immune effector cellular therapy, initial encounter", {"car_t"}),
    ("T80.82XD", "", "Complication of immune effector cellular therapy, subsequent encounter", {"car_t"}),
    ("T80.82XS", "", "Complication of immune effector cellular therapy, sequela", {"car_t"}),
    ("U07.1", "", "COVID-19", {"covid"}),
]


@pytest.mark.parametrize("code, through, description, diagnoses", FB_ICD10, ids=[row[0] for row in FB_ICD10])
def test_florida_blue_icd10_code_and_its_diagnoses(code, through, description, diagnoses):
    entry = m.Icd10Code.objects.get(version=version_of(FB), code_from=code)
    assert (entry.code_to, entry.description) == (through, description)
    assert slugs(entry.diagnoses) == diagnoses


def test_florida_blue_icd10_list_has_exactly_the_printed_codes():
    stored = m.Icd10Code.objects.filter(version=version_of(FB)).order_by("code_from")
    assert list(stored.values_list("code_from", flat=True)) == [row[0] for row in FB_ICD10]


@pytest.mark.parametrize("clause, request_type", [("Initiation 5.a", "initial"), ("Continuation 6.a", "renewal")])
def test_florida_blue_quantity_limit_is_28_syringes_per_28_days(clause, request_type):
    (limit,) = limits(FB, clause=clause)
    assert (limit.request_type, limit.kind, limit.quantity, limit.period_days, limit.condition) == (
        request_type,
        "fixed",
        28,
        28,
        None,
    )
    assert limit.text == "QL: 100 mg syringe - 28 syringes (18.76 mL)/28 days"


def test_florida_blue_covid_dose_is_100_mg_daily_for_at_most_10_days():
    (limit,) = limits(FB, clause="Table 1 COVID-19 6")
    assert (limit.kind, limit.quantity, limit.period_days) == ("fixed", 10, 10)
    assert slugs(limit.diagnoses) == {"covid"}
    values = {(n.params["fact"], n.params["value"]) for n in nodes(FB, "Table 1 COVID-19 6", "number_compare")}
    assert values == {("dose.mg_per_day", 100), ("dose.days_supply", 10)}


@pytest.mark.parametrize(
    "request_type, diagnoses, months",
    [
        pytest.param("initial", set(), 12, id="initiation-12-months"),
        pytest.param("", {"covid", "mis_c"}, 1, id="covid-and-mis-c-1-month"),
        pytest.param("renewal", set(), 12, id="continuation-12-months"),
    ],
)
def test_florida_blue_approval_durations(request_type, diagnoses, months):
    found = [
        d
        for d in m.ApprovalDuration.objects.filter(version=version_of(FB), request_type=request_type)
        if slugs(d.diagnoses) == diagnoses
    ]
    assert [(d.months, d.days) for d in found] == [(months, None)]


@pytest.mark.parametrize(
    "clause, kind, params",
    [
        ("Table 1 MIS-C 1", "number_compare", {"fact": "patient.age_years", "op": "<", "value": 18}),
        ("Initiation 5.a", "number_compare", {"fact": "dose.mg_per_day", "op": "<=", "value": 100}),
        ("Continuation 6.a", "number_compare", {"fact": "dose.mg_per_day", "op": "<=", "value": 100}),
        ("Initiation 5.b.ii.2", "number_compare", {"fact": "dose.max_dose_trial_months", "op": ">=", "value": 3}),
        ("Continuation 6.b.ii.2", "number_compare", {"fact": "dose.max_dose_trial_months", "op": ">=", "value": 3}),
    ],
)
def test_florida_blue_criterion_thresholds(clause, kind, params):
    assert node(FB, clause, kind).params == params


@pytest.mark.parametrize(
    "clause, lists, outcomes, min_count, min_months",
    [
        ("Table 1 RA 1.a", ["fb-ra-methotrexate"], ["inadequate_response"], 1, 3),
        ("Table 1 RA 1.b", ["fb-ra-conventional-other"], ["inadequate_response"], 1, 3),
        ("Table 1 RA 1.c", ["fb-ra-conventional"], ["intolerance"], 1, None),
        ("Table 1 RA 1.d", ["fb-ra-conventional"], ["contraindication"], "all", None),
        ("Table 1 RA 2.a", ["fb-ra-preferred"], ["inadequate_response"], 3, 3),
        ("Table 1 RA 2.d", ["fb-ra-preferred"], ["intolerance"], 3, None),
        ("Table 1 RA 2.e", ["fb-ra-preferred"], ["contraindication"], "all", None),
    ],
)
def test_florida_blue_ra_trial_requirements(clause, lists, outcomes, min_count, min_months):
    params = node(FB, clause, "trials").params
    assert (params["lists"], params["outcomes"], params["min_count"], params.get("min_months")) == (
        lists,
        outcomes,
        min_count,
        min_months,
    )


@pytest.mark.parametrize(
    "clause, counts",
    [
        ("Table 1 RA 2.b", [(["inadequate_response"], 2, 3), (["intolerance"], 1, None)]),  # TWO + ONE
        ("Table 1 RA 2.c", [(["inadequate_response"], 1, 3), (["intolerance"], 2, None)]),
    ],  # ONE + TWO
)
def test_florida_blue_ra_mixed_preferred_trials(clause, counts):
    # One criterion over different products: TWO + ONE (or ONE + TWO) means three distinct preferred products.
    (node,) = nodes(FB, clause, "distinct_trials")
    assert node.params["lists"] == ["fb-ra-preferred"]
    assert [(part["outcomes"], part["count"], part.get("min_months")) for part in node.params["parts"]] == counts


@pytest.mark.parametrize(
    "clause",
    [
        "Initiation 1",
        "Initiation 1.a",
        "Initiation 1.b",
        "Initiation 1.c",
        "Initiation 1.c.i",
        "Initiation 1.c.ii",
        "Initiation 1.c.ii.I",
        "Initiation 1.c.ii.II",
        "Initiation 2",
        "Initiation 3",
        "Initiation 4",
        "Initiation 5",
        "Initiation 5.b",
        "Initiation 5.b.i",
        "Initiation 5.b.ii",
        "Initiation 5.b.ii.1",
        "Initiation 5.b.ii.3.a",
        "Initiation 5.b.ii.3.b",
        "Initiation 5.c",
        "Initiation 5.c.i",
        "Initiation 5.c.ii",
        "Initiation 5.d",
        "Initiation 5.d.i",
        "Initiation 5.d.ii",
        "Table 1 RA",
        "Table 1 RA 1",
        "Table 1 RA 1.e",
        "Table 1 RA 2",
        "Table 1 RA 2.f",
        "Table 1 DIRA",
        "Table 1 NOMID",
        "Table 1 MIS-C",
        "Table 1 MIS-C 2",
        "Table 1 MIS-C 3",
        "Table 1 MIS-C 4",
        "Table 1 MIS-C 4.a",
        "Table 1 MIS-C 4.b",
        "Table 1 MIS-C 4.c",
        "Table 1 COVID-19",
        "Table 1 COVID-19 1",
        "Table 1 COVID-19 2",
        "Table 1 COVID-19 3",
        "Table 1 COVID-19 4",
        "Table 1 COVID-19 5",
        "Table 1 Other indications",
        "Continuation 1",
        "Continuation 2",
        "Continuation 3",
        "Continuation 4",
        "Continuation 6",
        "Continuation 6.b",
        "Continuation 6.c",
        "Continuation 6.d",
        "Position Statement, Comparative Effectiveness",
    ],
)
def test_florida_blue_clause_labels_exist(clause):
    assert m.CriterionNode.objects.filter(version=version_of(FB), clause=clause).exists()


@pytest.mark.parametrize(
    "clause, question",
    [
        ("Table 1 MIS-C 2", "mis_c_prior_sars_cov_2"),
        ("Table 1 MIS-C 3", "mis_c_hospitalized"),
        ("Table 1 MIS-C 4.a", "mis_c_refractory_ivig_steroids"),
        ("Table 1 MIS-C 4.b", "mis_c_steroid_contraindication"),
        ("Table 1 MIS-C 4.c", "mis_c_mas_features"),
        ("Table 1 COVID-19 1", "covid_hospitalized"),
        ("Table 1 COVID-19 2", "covid_positive_viral_test"),
        ("Table 1 COVID-19 3", "covid_pneumonia_oxygen"),
        ("Table 1 COVID-19 4", "covid_risk_respiratory_failure"),
        ("Table 1 COVID-19 5", "covid_elevated_supar"),
    ],
)
def test_florida_blue_table_1_indication_questions(clause, question):
    assert node(FB, clause, "answer_is").params == {"question": question, "value": True}


@pytest.mark.parametrize(
    "slug, status, min_age, fda_mg, fda_mg_kg",
    [
        ("ra", "fda_labeled", 18, 100, None),
        ("nomid", "fda_labeled", None, None, 8),
        ("dira", "fda_labeled", None, None, 8),
    ],
)
def test_florida_blue_fda_labeled_indications(slug, status, min_age, fda_mg, fda_mg_kg):
    pd = policy_diagnosis(FB, slug)
    assert (pd.status, pd.labeled_min_age, pd.fda_max_mg_per_day, pd.fda_max_mg_per_kg_day) == (
        status,
        dec(min_age),
        dec(fda_mg),
        dec(fda_mg_kg),
    )


# ------------------------------------------------------------------ shared vocabularies (contract)

QUESTIONS = [  # /work/shared/api/determination-contract.md, "Indication-specific question codes"
    ("mis_c_prior_sars_cov_2", "mis_c", "Member has been previously infected with SARS-CoV-2"),
    ("mis_c_hospitalized", "mis_c", "Member's symptoms are severe enough that hospitalization is required"),
    ("mis_c_refractory_ivig_steroids", "mis_c", "Member is refractory to IVIG AND glucocorticoids"),
    ("mis_c_steroid_contraindication", "mis_c", "Member has contraindications to long-term use of glucocorticoids"),
    ("mis_c_mas_features", "mis_c", "Member has features of macrophage activation syndrome (MAS)"),
    ("covid_hospitalized", "covid", "Member is hospitalized"),
    (
        "covid_positive_viral_test",
        "covid",
        "Diagnosis has been confirmed by positive results of direct SARS-CoV-2 viral testing",
    ),
    (
        "covid_pneumonia_oxygen",
        "covid",
        "Member has pneumonia requiring supplemental oxygen (low- or high-flow oxygen)",
    ),
    ("covid_risk_respiratory_failure", "covid", "Member is at risk of progressing to severe respiratory failure"),
    (
        "covid_elevated_supar",
        "covid",
        "Member is likely to have an elevated plasma soluble urokinase plasminogen activator receptor (suPAR)",
    ),
]


@pytest.mark.parametrize("code, diagnosis, wording", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_contract_question_exists_for_its_diagnosis(code, diagnosis, wording):
    question = m.Question.objects.get(code=code)
    assert slugs(question.diagnoses) == {diagnosis}
    assert question.wording == wording


def test_there_are_exactly_the_10_contract_questions():
    assert set(m.Question.objects.values_list("code", flat=True)) == {q[0] for q in QUESTIONS}


CONTRACT_DIAGNOSES = [
    "ra",
    "nomid",
    "fcas",
    "mws",
    "dira",
    "sjia",
    "aosd",
    "gout",
    "cppd",
    "car_t",
    "ici_hlh",
    "castleman",
    "ecd",
    "schnitzler",
    "mis_c",
    "covid",
    "psoriasis",
    "other",
]


@pytest.mark.parametrize("slug", CONTRACT_DIAGNOSES)
def test_contract_diagnosis_slug_exists_and_can_be_requested(slug):
    assert m.Diagnosis.objects.get(slug=slug).selectable


def test_cinca_is_an_alias_of_nomid():
    assert m.DiagnosisAlias.objects.get(alias="cinca").diagnosis.slug == "nomid"


def test_fcas_mws_and_nomid_make_up_the_caps_group():
    caps = m.Diagnosis.objects.get(slug="caps")
    assert not caps.selectable
    assert slugs(caps.members) == {"fcas", "mws", "nomid"}


def test_sjia_and_aosd_make_up_stills_disease():
    stills = m.Diagnosis.objects.get(slug="stills")
    assert not stills.selectable
    assert slugs(stills.members) == {"sjia", "aosd"}


# ------------------------------------------------------------------ every list and table exactly, members and order
# A member, row or limit dropped from a fixture (or by the loader) fails one of these: membership tests alone
# did not notice sarilumab leaving Florida Blue's 1.e list or brodalumab leaving its not-permitted list.

ANY = True  # include_biosimilars: "biosimilars of this product count as this entry"

EXACT_DRUG_LISTS = [
    # Cigna DQM008, Criteria 3 Note: "Examples of CAR T-cell therapy include Abecma (...), Aucatzyl (...),
    # Breyanzi (...), Carvykti (...), Kymriah (...), Tecartus (...), and Yescarta (...)".
    pytest.param(
        CIGNA,
        "cigna-car-t-examples",
        [
            ("idecabtagene vicleucel", False),
            ("obecabtagene autoleucel", False),
            ("lisocabtagene maraleucel", False),
            ("ciltacabtagene autoleucel", False),
            ("tisagenlecleucel", False),
            ("brexucabtagene autoleucel", False),
            ("axicabtagene ciloleucel", False),
        ],
        id="cigna-car-t",
    ),
    # FEP Appendix 2 - List of DMARDs, Conventional: azathioprine ... sulfasalazine (8 rows).
    pytest.param(
        FEP,
        "fep-app2-conventional",
        [
            ("azathioprine", False),
            ("cyclophosphamide", False),
            ("cyclosporine", False),
            ("hydroxychloroquine", False),
            ("leflunomide", False),
            ("methotrexate", False),
            ("mycophenolate", False),
            ("sulfasalazine", False),
        ],
        id="fep-app2-conventional",
    ),
    # FEP Appendix 2, Biological: abatacept ... vedolizumab (20 rows); a biosimilar is the same biologic DMARD.
    pytest.param(
        FEP,
        "fep-app2-biologic",
        [
            ("abatacept", ANY),
            ("adalimumab", ANY),
            ("anakinra", ANY),
            ("bimekizumab-bkzx", ANY),
            ("brodalumab", ANY),
            ("certolizumab", ANY),
            ("etanercept", ANY),
            ("golimumab", ANY),
            ("guselkumab", ANY),
            ("infliximab", ANY),
            ("ixekizumab", ANY),
            ("risankizumab-rzaa", ANY),
            ("rituximab", ANY),
            ("sarilumab", ANY),
            ("secukinumab", ANY),
            ("spesolimab-sbzo", ANY),
            ("tildrakizumab-asmn", ANY),
            ("tocilizumab", ANY),
            ("ustekinumab", ANY),
            ("vedolizumab", ANY),
        ],
        id="fep-app2-biological",
    ),
    # FEP Appendix 2, Targeted synthetic: apremilast, baricitinib, deucravacitinib, tofacitinib, upadactinib [sic].
    pytest.param(
        FEP,
        "fep-app2-targeted",
        [
            ("apremilast", False),
            ("baricitinib", False),
            ("deucravacitinib", False),
            ("tofacitinib", False),
            ("upadacitinib", False),
        ],
        id="fep-app2-targeted",
    ),
    # FEP Appendix 3, Standard/Basic: "Actemra (SC) Enbrel Humira** Rinvoq Xeljanz/XR";
    # "**Including all preferred biosimilars" (Humira only).
    pytest.param(
        FEP,
        "fep-app3-ra-standard-basic",
        [
            ("tocilizumab", False),
            ("etanercept", False),
            ("adalimumab", ANY),
            ("upadacitinib", False),
            ("tofacitinib", False),
        ],
        id="fep-app3-standard-basic",
    ),
    # FEP Appendix 3, Blue Focus: "Enbrel Humira**".
    pytest.param(FEP, "fep-app3-ra-blue-focus", [("etanercept", False), ("adalimumab", ANY)], id="fep-app3-blue-focus"),
    # Florida Blue Table 1 RA 2: "The preferred RA products are: Adalimumab-aaty, Adalimumab-adaz, Enbrel, Hadlima,
    # Humira, Rinvoq, Simlandi, Xeljanz/Xeljanz XR" -- each a product of its own, no biosimilars folded in.
    pytest.param(
        FB,
        "fb-ra-preferred",
        [
            ("adalimumab-aaty", False),
            ("adalimumab-adaz", False),
            ("etanercept", False),
            ("adalimumab-bwwd", False),
            ("adalimumab", False),
            ("upadacitinib", False),
            ("adalimumab-ryvk", False),
            ("tofacitinib", False),
        ],
        id="fb-preferred",
    ),
    # Florida Blue Table 1 RA 1.a: "maximally tolerated methotrexate".
    pytest.param(FB, "fb-ra-methotrexate", [("methotrexate", False)], id="fb-1a"),
    # Table 1 RA 1.b: "ONE conventional agent (i.e., hydroxychloroquine, leflunomide, sulfasalazine)".
    pytest.param(
        FB,
        "fb-ra-conventional-other",
        [
            ("hydroxychloroquine", False),
            ("leflunomide", False),
            ("sulfasalazine", False),
        ],
        id="fb-1b",
    ),
    # Table 1 RA 1.c / 1.d: "(i.e., methotrexate, hydroxychloroquine, leflunomide, sulfasalazine)".
    pytest.param(
        FB,
        "fb-ra-conventional",
        [
            ("methotrexate", False),
            ("hydroxychloroquine", False),
            ("leflunomide", False),
            ("sulfasalazine", False),
        ],
        id="fb-1c-1d",
    ),
    # Table 1 RA 1.e: "another biologic immunomodulator agent that is FDA labeled ... for the treatment of RA". The
    # Description's RA bDMARDs: etanercept, adalimumab, infliximab, golimumab, certolizumab pegol, abatacept,
    # tocilizumab, sarilumab, rituximab -- kept alphabetically, as docs/policy-notes.md reads the clause.
    pytest.param(
        FB,
        "fb-ra-biologic-history",
        [
            ("abatacept", ANY),
            ("adalimumab", ANY),
            ("certolizumab", ANY),
            ("etanercept", ANY),
            ("golimumab", ANY),
            ("infliximab", ANY),
            ("rituximab", ANY),
            ("sarilumab", ANY),
            ("tocilizumab", ANY),
        ],
        id="fb-1e-biologic-history",
    ),
    # Florida Blue Table 2: Conventional Systemic DMARDs (7 rows, Auranofin ... Sulfasalazine).
    pytest.param(
        FB,
        "fb-table-2",
        [
            ("auranofin", False),
            ("azathioprine", False),
            ("cyclosporine", False),
            ("hydroxychloroquine", False),
            ("leflunomide", False),
            ("methotrexate", False),
            ("sulfasalazine", False),
        ],
        id="fb-table-2",
    ),
    # Initiation 4 / Continuation 5: the biologic immunomodulators ("full list in Other section", a link: the
    # Related Guidelines' biologics and FEP Appendix 2's, per docs/policy-notes.md, alphabetically), then as printed:
    # Cibinquo (abrocitinib), Leqselvi (deuruxolitinib), Litfulo (ritlecitinib), Olumiant (baricitinib), Opzelura
    # (ruxolitinib), Rinvoq (upadacitinib), Xeljanz (tofacitinib); Otezla (apremilast); Sotyktu (deucravacitinib);
    # Velsipity (etrasimod), Zeposia (ozanimod).
    pytest.param(
        FB,
        "fb-not-permitted",
        [
            ("abatacept", ANY),
            ("adalimumab", ANY),
            ("bimekizumab-bkzx", ANY),
            ("brodalumab", ANY),
            ("canakinumab", ANY),
            ("certolizumab", ANY),
            ("etanercept", ANY),
            ("golimumab", ANY),
            ("guselkumab", ANY),
            ("infliximab", ANY),
            ("ixekizumab", ANY),
            ("rilonacept", ANY),
            ("risankizumab-rzaa", ANY),
            ("rituximab", ANY),
            ("sarilumab", ANY),
            ("secukinumab", ANY),
            ("spesolimab-sbzo", ANY),
            ("tildrakizumab-asmn", ANY),
            ("tocilizumab", ANY),
            ("ustekinumab", ANY),
            ("vedolizumab", ANY),
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
        ],
        id="fb-not-permitted",
    ),
]


@pytest.mark.parametrize("code, list_code, printed", EXACT_DRUG_LISTS)
def test_drug_list_holds_exactly_the_printed_entries_in_order(code, list_code, printed):
    assert entries(drug_list(code, list_code)) == printed


@pytest.mark.parametrize(
    "code, list_codes",
    [
        (CIGNA, ["cigna-car-t-examples"]),
        (
            FEP,
            [
                "fep-app2-conventional",
                "fep-app2-biologic",
                "fep-app2-targeted",
                "fep-app3-ra-standard-basic",
                "fep-app3-ra-blue-focus",
            ],
        ),
        (
            FB,
            [
                "fb-ra-preferred",
                "fb-ra-methotrexate",
                "fb-ra-conventional-other",
                "fb-ra-conventional",
                "fb-ra-biologic-history",
                "fb-table-2",
                "fb-not-permitted",
            ],
        ),
    ],
)
def test_each_policy_has_exactly_its_drug_lists(code, list_codes):
    stored = m.DrugList.objects.filter(version=version_of(code)).order_by("order", "id")
    assert list(stored.values_list("code", flat=True)) == list_codes


def limit_rows(code: str) -> list[tuple]:
    return [
        (
            row.clause,
            row.request_type,
            row.channel,
            slugs(row.diagnoses),
            row.kind,
            row.quantity,
            row.period_days,
            dec(row.mg_per_kg_day),
            row.weight_table.code if row.weight_table else None,
            row.condition.key if row.condition else None,
            row.grant,
            row.one_time,
            row.duration_days,
        )
        for row in limits(code)
    ]


NONE_LIMIT = {"sjia", "aosd", "gout", "cppd", "car_t"}  # FEP: "No limit" spans these five rows of the table
REQ, LIM = "requested", "limit"  # what an approval grants: the requested quantity, or the limit itself
PA_Q, RN_Q = "Prior-Approval Limits, Quantity", "Prior-Approval Renewal Limits, Quantity"
HOME = "home_delivery"

EXACT_LIMITS = [
    # clause, request type, channel, diagnoses, kind, quantity, period days, mg/kg/day, weight table, condition, grant,
    # one-time, duration days
    pytest.param(
        CIGNA,
        [
            # Drug Quantity Limits: "Retail Maximum Quantity per 28 Days: 28 syringes";
            # "Home Delivery ... per 84 Days: 84"
            ("Drug Quantity Limits", "", "retail", set(), "fixed", 28, 28, None, None, None, REQ, False, None),
            ("Drug Quantity Limits", "", HOME, set(), "fixed", 84, 84, None, None, None, REQ, False, None),
            # Criteria 1: Table 1 by weight
            (
                "Criteria 1, Table 1",
                "",
                "",
                set(),
                "weight_table",
                None,
                None,
                None,
                "cigna-table-1",
                "criteria-1",
                REQ,
                False,
                None,
            ),
            # Criteria 2: "not to exceed 56 syringes per 28 days at retail or 168 syringes per 84 days at home delivery"
            ("Criteria 2", "", "retail", set(), "fixed", 56, 28, None, None, "criteria-2", REQ, False, None),
            ("Criteria 2", "", HOME, set(), "fixed", 168, 84, None, None, "criteria-2", REQ, False, None),
            # Criteria 3: "a one-time override for the requested quantity, not to exceed 112 syringes";
            # one-time = 30 days
            ("Criteria 3", "", "", set(), "fixed", 112, 30, None, None, "criteria-3", REQ, True, 30),
        ],
        id="cigna",
    ),
    pytest.param(
        FEP,
        [
            # Prior-Approval Limits, Quantity: RA "84 syringes per 84 days"; CAPS, DIRA "8 mg/kg per day";
            # others "No limit"
            (PA_Q, "initial", "", {"ra"}, "fixed", 84, 84, None, None, None, LIM, False, None),
            (PA_Q, "initial", "", {"caps"}, "per_kg", None, 28, Decimal(8), None, None, LIM, False, None),
            (PA_Q, "initial", "", {"dira"}, "per_kg", None, 28, Decimal(8), None, None, LIM, False, None),
            (PA_Q, "initial", "", NONE_LIMIT, "none", None, None, None, None, None, LIM, False, None),
            # Prior-Approval Renewal Limits, Quantity: the same table
            (RN_Q, "renewal", "", {"ra"}, "fixed", 84, 84, None, None, None, LIM, False, None),
            (RN_Q, "renewal", "", {"caps"}, "per_kg", None, 28, Decimal(8), None, None, LIM, False, None),
            (RN_Q, "renewal", "", {"dira"}, "per_kg", None, 28, Decimal(8), None, None, LIM, False, None),
            (RN_Q, "renewal", "", NONE_LIMIT, "none", None, None, None, None, None, LIM, False, None),
        ],
        id="fep",
    ),
    pytest.param(
        FB,
        [
            # Table 1 COVID-19 6: "Dosage does not exceed 100 mg daily for a maximum of 10 days"
            # = 10 syringes per 10 days
            ("Table 1 COVID-19 6", "", "", {"covid"}, "fixed", 10, 10, None, None, None, LIM, False, None),
            # Initiation 5.a / Continuation 6.a: "QL: 100 mg syringe - 28 syringes (18.76 mL)/28 days"
            ("Initiation 5.a", "initial", "", set(), "fixed", 28, 28, None, None, None, LIM, False, None),
            ("Continuation 6.a", "renewal", "", set(), "fixed", 28, 28, None, None, None, LIM, False, None),
            # Initiation 5 / Continuation 6 b-d: "the requested quantity (dose)" above the QL
            ("Initiation 5", "initial", "", set(), "dose", None, 28, None, None, "init-5", REQ, False, None),
            ("Continuation 6", "renewal", "", set(), "dose", None, 28, None, None, "cont-6", REQ, False, None),
        ],
        id="florida-blue",
    ),
]


@pytest.mark.parametrize("code, printed", EXACT_LIMITS)
def test_quantity_limits_are_exactly_the_printed_rows_in_order(code, printed):
    assert limit_rows(code) == printed


@pytest.mark.parametrize(
    "code, printed",
    [
        # Cigna Policy Statement: "All approvals are provided for 1 year in duration"
        pytest.param(CIGNA, [("", set(), 12, None)], id="cigna"),
        # FEP: Prior-Approval Limits "Duration 12 months"; Renewal Limits "Duration 18 months"
        pytest.param(FEP, [("initial", set(), 12, None), ("renewal", set(), 18, None)], id="fep"),
        # Florida Blue: "Approval duration: 12 months [except COVID-19 treatment and MIS-C ..., approve for 1 month]";
        # Continuation "Approval duration: 12 months". The 1-month exception comes first so it wins.
        pytest.param(
            FB,
            [("", {"covid", "mis_c"}, 1, None), ("initial", set(), 12, None), ("renewal", set(), 12, None)],
            id="florida-blue",
        ),
    ],
)
def test_approval_durations_are_exactly_the_printed_ones_in_order(code, printed):
    stored = m.ApprovalDuration.objects.filter(version=version_of(code)).order_by("order")
    assert [(d.request_type, slugs(d.diagnoses), d.months, d.days) for d in stored] == printed


def indication_rows(code: str) -> list[tuple]:
    stored = m.PolicyDiagnosis.objects.filter(version=version_of(code)).select_related("diagnosis")
    return sorted(
        (
            pd.diagnosis.slug,
            pd.status,
            dec(pd.labeled_min_age),
            dec(pd.fda_max_mg_per_day),
            dec(pd.fda_max_mg_per_kg_day),
            dec(pd.compendia_max_mg_per_day),
            dec(pd.compendia_max_mg_per_kg_day),
        )
        for pd in stored
    )


FDA, COMP, NOT, VERIFY = "fda_labeled", "compendia", "not_covered", "verify"
D = Decimal

EXACT_INDICATIONS = [
    # slug, status, labeled min age, FDA mg/day, FDA mg/kg/day, compendia mg/day, compendia mg/kg/day -- sorted by slug
    pytest.param(
        CIGNA,
        [
            ("aosd", COMP, None, None, None, D(200), None),  # Off-Label: "up to 200 mg per day ... in adults"
            ("car_t", COMP, None, None, None, D(400), None),  # Off-Label: "up to 100mg SC every 6 hours"
            ("castleman", COMP, None, None, None, D(100), None),  # Off-Label: "100 mg SC QD"
            ("dira", FDA, None, None, D(8), None, None),  # Dosing: "maximum of 8 mg per kg QD"
            ("ecd", COMP, None, None, None, D(100), None),  # Off-Label: "100 mg SC QD"
            ("ici_hlh", COMP, None, None, None, D(400), None),  # Off-Label: "up to 100mg SC every 6 hours"
            ("nomid", FDA, None, None, D(8), None, None),  # Dosing: "maximum of 8 mg per kg daily"
            ("ra", FDA, D(18), D(100), None, None, None),  # Indication: adults; Dosing: "100 mg QD"
            ("sjia", COMP, None, None, None, None, D(4)),  # Off-Label: "4 mg per kg per day in children"
        ],
        id="cigna",
    ),
    pytest.param(
        FEP,
        [
            ("aosd", COMP, None, None, None, None, None),  # Off-Label Uses
            ("car_t", COMP, None, None, None, None, None),  # Off-Label Uses
            ("cppd", COMP, None, None, None, None, None),  # Off-Label Uses: "Gout and pseudogout"
            ("dira", FDA, None, None, D(8), None, None),  # Regulatory Status; "8 mg/kg/day"
            ("fcas", NOT, None, None, None, None, None),  # "investigational for all other indications": NOMID only
            ("gout", COMP, None, None, None, None, None),  # Off-Label Uses
            ("mws", NOT, None, None, None, None, None),  # as FCAS
            ("nomid", FDA, None, None, D(8), None, None),  # Regulatory Status; "8 mg/kg/day"
            ("ra", FDA, D(18), D(100), None, None, None),  # "18 years of age or older"; "100 mg per day"
            ("sjia", COMP, None, None, None, None, None),  # Off-Label Uses
        ],
        id="fep",
    ),
    pytest.param(
        FB,
        [
            ("aosd", COMP, None, None, None, D(200), None),  # ICD-10 M06.1
            ("car_t", COMP, None, None, None, D(400), None),  # ICD-10 T80.82X-
            ("castleman", COMP, None, None, None, D(100), None),  # ICD-10 D47.Z2
            ("covid", COMP, None, None, None, D(100), None),  # Table 1 COVID-19 6: "100 mg daily"
            ("cppd", NOT, None, None, None, None, None),  # not in Table 1 nor the ICD-10 list
            ("dira", FDA, None, None, D(8), None, D(8)),  # Dosage/Administration: "maximum of 8 mg/kg daily"
            ("ecd", COMP, None, None, None, D(100), None),  # ICD-10 D76.3
            ("fcas", NOT, None, None, None, None, None),  # NOMID only
            ("gout", NOT, None, None, None, None, None),
            ("ici_hlh", COMP, None, None, None, D(400), None),  # ICD-10 D76.1
            ("mis_c", COMP, None, None, None, None, None),  # Table 1 MIS-C
            ("mws", NOT, None, None, None, None, None),  # NOMID only
            ("nomid", FDA, None, None, D(8), None, D(8)),  # "maximum of 8 mg/kg daily"
            ("other", VERIFY, None, None, None, None, None),  # "Compendia Allowed": a pharmacist checks
            ("psoriasis", NOT, None, None, None, None, None),
            ("ra", FDA, D(18), D(100), None, D(100), None),  # "18 years of age and older"; "100 mg/day"
            ("schnitzler", COMP, None, None, None, None, None),  # ICD-10 D47.2, L50.8
            ("sjia", COMP, None, None, None, None, D(4)),  # ICD-10 M08.2x
        ],
        id="florida-blue",
    ),
]


@pytest.mark.parametrize("code, printed", EXACT_INDICATIONS)
def test_indication_table_is_exactly_the_printed_diagnoses(code, printed):
    assert indication_rows(code) == printed
