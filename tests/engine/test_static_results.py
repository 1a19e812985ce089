"""The criteria results that depend on nothing but the diagnosis are worked out once per snapshot and diagnosis
(evaluate.static_results) and shared by every later request: the diagnosis gates, the branches they close, the
indication status. Nothing declares which those are: a node whose evaluation looks at anything else of the
request is evaluated with each request."""

from kineret_pa.engine import decide
from kineret_pa.engine.evaluate import Evaluation, static_results
from kineret_pa.engine.vocabulary import MET, NA, NOT_MET

from .support import inner, leaf, request, snapshot


def tree():
    return inner(
        "root",
        "any",
        inner(
            "ra-branch",
            "all",
            leaf("is-ra", "diagnosis_in", gate=True, diagnoses=["ra"]),
            leaf("tb", "fact_in", fact="screening.tb", values=["negative"]),
        ),
        inner(
            "caps-branch",
            "all",
            leaf("is-caps", "diagnosis_in", gate=True, diagnoses=["caps"]),
            leaf("strength", "single_strength"),
        ),
    )


def test_a_gate_not_met_closes_its_branch_once_for_every_request_of_that_diagnosis():
    shared = static_results(snapshot(tree()), "ra")
    assert shared["caps-branch"].status == NA
    assert shared["is-ra"].status == MET
    assert {"tb", "ra-branch", "root"}.isdisjoint(shared)  # they read the TB result: evaluated with each request


def test_a_branch_of_criteria_that_read_only_the_diagnosis_is_shared_whole():
    shared = static_results(snapshot(tree()), "nomid")  # NOMID is a CAPS: the CAPS branch is met on its own
    assert shared["caps-branch"].status == MET
    assert shared["root"].status == MET


def test_requests_of_one_diagnosis_still_differ_by_their_other_answers():
    snap = snapshot(tree())
    negative, _ = decide(snap, request(screening={"tb": "negative"}))
    untested, _ = decide(snap, request(screening={"tb": "not_tested"}))
    assert (negative.decision, untested.decision) == ("approve", "deny")
    assert [r.detail for r in untested.reasons if not r.met] == [
        "none of these is met",
        "diagnosis: Rheumatoid arthritis; not met: text of tb",
        "latent TB result: not tested",
    ]


def test_shared_results_change_no_result_of_any_node():
    snap = snapshot(tree())
    for diagnosis in ("ra", "nomid", "gout"):
        for tb in ("negative", "not_tested", None):
            req = request(diagnosis=diagnosis, **({"screening": {"tb": tb}} if tb else {}))
            alone = Evaluation(snap, req, static={})
            shared = Evaluation(snap, req)
            for node in snap.nodes.values():
                one, other = alone.node(node), shared.node(node)
                assert (one.status, one.detail, one.missing) == (other.status, other.detail, other.missing)


def test_the_shared_results_are_kept_on_the_snapshot_they_came_from():
    first, second = snapshot(tree()), snapshot(tree())
    assert static_results(first, "ra") is static_results(first, "ra")
    assert static_results(second, "ra") is not static_results(first, "ra")
    assert static_results(first, "gout")["caps-branch"].status == NA
    assert static_results(first, "gout")["is-ra"].status == NOT_MET
