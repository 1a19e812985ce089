"""The prescriber profile: entered once per user, the NPI checked, `next` kept to this site."""

from django.urls import reverse

from kineret_pa.pa_requests.models import MSG_NPI, PrescriberProfile, npi_is_valid

from .walk import input_value, text

PROFILE = reverse("profile")
FIELDS = {
    "full_name": "Dr Ada Owner",
    "specialty": "Rheumatology",
    "npi": "1234567893",
    "phone": "555-0100",
    "fax": "555-0101",
}


def test_npi_check_digit():
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789")  # nine digits
    assert not npi_is_valid("12345678a3")


def test_a_valid_profile_is_saved_for_the_prescriber(client, prescriber):
    client.force_login(prescriber)

    response = client.post(PROFILE, FIELDS)

    assert response.status_code == 302 and response.url == reverse("pa-request-list")
    profile = PrescriberProfile.objects.get(user=prescriber)
    assert (profile.full_name, profile.npi) == ("Dr Ada Owner", "1234567893")


def test_an_npi_that_does_not_check_is_refused_with_the_message(client, prescriber):
    client.force_login(prescriber)

    response = client.post(PROFILE, {**FIELDS, "npi": "1234567890"})

    assert response.status_code == 200
    assert MSG_NPI in text(response)
    assert input_value(response, "full_name") == "Dr Ada Owner"  # the rest is kept
    assert not PrescriberProfile.objects.exists()


def test_saving_again_updates_the_one_profile(client, prescriber):
    client.force_login(prescriber)
    client.post(PROFILE, FIELDS)

    client.post(PROFILE, {**FIELDS, "phone": "555-0199"})

    assert PrescriberProfile.objects.filter(user=prescriber).count() == 1
    assert PrescriberProfile.objects.get(user=prescriber).phone == "555-0199"


def test_the_profile_page_shows_the_saved_profile(client, prescriber):
    client.force_login(prescriber)
    client.post(PROFILE, FIELDS)

    page = client.get(PROFILE)

    assert input_value(page, "npi") == "1234567893"


def test_each_prescriber_has_their_own_profile(client, prescriber, colleague):
    client.force_login(prescriber)
    client.post(PROFILE, FIELDS)
    client.force_login(colleague)

    page = client.get(PROFILE)
    client.post(PROFILE, {**FIELDS, "full_name": "Dr Col League", "npi": "1245319599"})

    assert input_value(page, "npi") in (None, "")
    assert PrescriberProfile.objects.get(user=prescriber).full_name == "Dr Ada Owner"
    assert PrescriberProfile.objects.get(user=colleague).full_name == "Dr Col League"


def test_next_returns_to_a_page_of_this_site(client, prescriber):
    client.force_login(prescriber)

    response = client.post(f"{PROFILE}?next=/requests/", FIELDS)

    assert response.url == "/requests/"


def test_next_to_another_host_is_refused(client, prescriber):
    client.force_login(prescriber)

    for target in ("https://evil.example/steal", "//evil.example/", "http://testserver.evil.example/"):
        response = client.post(f"{PROFILE}?next={target}", FIELDS)
        assert response.status_code == 302
        assert response.url == reverse("pa-request-list"), target


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(PROFILE)

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
