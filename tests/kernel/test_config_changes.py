"""microloan/config: the maker-checker of configuration changes, on the kernel's side: the
transition table whole, propose / apply / reject / withdraw through a toy kind (a branch's
name), four eyes, the proposer alone withdraws, the registry, an invalid payload."""

import pytest
from django import forms

from microloan.config import registry
from microloan.config import services as config
from microloan.config.models import ConfigChange, ConfigChangeStatus
from microloan.config.selectors import config_change_moves
from microloan.config.workflow import CONFIG_CHANGE_WORKFLOW
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.fields import model_formfield
from microloan.models import AuditEvent, Branch, Role

from ..workflow_cases import check_four_eyes, check_one_move, every_move, statuses_are_the_enums
from .factories import BranchFactory, UserFactory, administrators

pytestmark = pytest.mark.django_db


class BranchNameForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["name", "timezone"]
        formfield_callback = model_formfield


@pytest.fixture
def toy_kind():
    kind = registry.register(registry.ModelFormKind(name="toy_branch", label="branch", form_class=BranchNameForm))
    yield kind
    registry.REGISTRY.pop("toy_branch")


@pytest.fixture
def admins(branch):
    return administrators(branch)


def propose(maker, target, **payload):
    return config.config_change_propose(
        actor=maker, kind="toy_branch", operation="update", target_id=target.pk, payload=payload
    )


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow,action,status,role", every_move(CONFIG_CHANGE_WORKFLOW, ConfigChangeStatus.values))
def test_every_move_of_the_table(workflow, action, status, role):
    check_one_move(workflow, ConfigChange, action, status, role)


@pytest.mark.parametrize("action", ["apply", "reject"])
def test_four_eyes_on_apply_and_reject(action):
    check_four_eyes(CONFIG_CHANGE_WORKFLOW, ConfigChange, action, lambda role: UserFactory(role=role))


def test_the_statuses_are_the_enums():
    statuses_are_the_enums(CONFIG_CHANGE_WORKFLOW, ConfigChangeStatus.values)


def test_only_the_administrator_proposes_and_decides():
    from microloan.permissions import TABLE

    for action in ("propose", "apply", "reject", "withdraw"):
        assert TABLE[f"config_change.{action}"].roles == {Role.ADMIN}
    assert TABLE["config_change.view"].roles == {Role.ADMIN, Role.MANAGER, Role.AUDITOR}


# --- the services ---------------------------------------------------------------------------


def test_a_proposal_changes_nothing_until_another_administrator_applies_it(toy_kind, admins, branch):
    maker, checker = admins
    change = propose(maker, branch, name="Renamed")
    assert change.status == "pending" and change.before["name"] == "Branch A"
    assert change.payload == {"name": "Renamed"}
    branch.refresh_from_db()
    assert branch.name == "Branch A"

    config.config_change_apply(actor=checker, change=change)

    branch.refresh_from_db()
    change.refresh_from_db()
    assert branch.name == "Renamed"
    assert (change.status, change.decided_by, change.after["name"]) == ("applied", checker, "Renamed")
    applied = AuditEvent.objects.get(entity="config_change", entity_id=change.pk, action="apply")
    assert applied.data["before"]["name"] == "Branch A" and applied.data["after"]["name"] == "Renamed"
    assert AuditEvent.objects.filter(entity="config_change", entity_id=change.pk, action="propose").exists()


def test_the_proposer_may_not_apply_or_reject_their_own(toy_kind, admins, branch):
    maker, _checker = admins
    change = propose(maker, branch, name="Mine")
    with pytest.raises(NotAllowed, match="Four eyes"):
        config.config_change_apply(actor=maker, change=change)
    with pytest.raises(NotAllowed, match="Four eyes"):
        config.config_change_reject(actor=maker, change=change, reason="no")
    branch.refresh_from_db()
    assert branch.name == "Branch A"


def test_a_rejection_needs_a_reason_and_changes_nothing(toy_kind, admins, branch):
    maker, checker = admins
    change = propose(maker, branch, name="Nope")
    with pytest.raises(InvalidInput) as exc:
        config.config_change_reject(actor=checker, change=change, reason=" ")
    assert list(exc.value.errors) == ["reason"]
    config.config_change_reject(actor=checker, change=change, reason="not now")
    change.refresh_from_db()
    branch.refresh_from_db()
    assert (change.status, change.reason, branch.name) == ("rejected", "not now", "Branch A")
    with pytest.raises(TransitionNotAllowed):
        config.config_change_apply(actor=checker, change=change)


def test_only_the_proposer_withdraws(toy_kind, admins, branch):
    maker, checker = admins
    change = propose(maker, branch, name="Later")
    with pytest.raises(NotAllowed, match="Only the person who proposed"):
        config.config_change_withdraw(actor=checker, change=change)
    assert [t.action for t in config_change_moves(changes=[change], actor=checker)[change.pk]] == ["apply", "reject"]
    assert [t.action for t in config_change_moves(changes=[change], actor=maker)[change.pk]] == ["withdraw"]
    config.config_change_withdraw(actor=maker, change=change)
    change.refresh_from_db()
    assert change.status == "withdrawn"
    assert config_change_moves(changes=[change], actor=checker)[change.pk] == []


def test_an_invalid_payload_is_refused_naming_the_field(toy_kind, admins, branch):
    maker, _checker = admins
    with pytest.raises(InvalidInput) as exc:
        propose(maker, branch, name="x" * 101)
    assert list(exc.value.errors) == ["name"]
    with pytest.raises(InvalidInput) as exc:
        propose(maker, branch, code="NEW")  # not a field of the kind's form
    assert list(exc.value.errors) == ["code"]
    assert not ConfigChange.objects.exists()


def test_the_operation_and_the_target_are_checked(toy_kind, admins, branch):
    maker, _checker = admins
    cases = [
        (dict(kind="nope", operation="update", target_id=branch.pk, payload={"name": "n"}), "kind"),
        (dict(kind="toy_branch", operation="update", payload={"name": "n"}), "target_id"),
        (dict(kind="toy_branch", operation="create", target_id=branch.pk, payload={"name": "n"}), "target_id"),
        (dict(kind="toy_branch", operation="update", target_id=987654, payload={"name": "n"}), "target_id"),
        (dict(kind="toy_branch", operation="update", target_id=branch.pk, payload={}), "payload"),
        (dict(kind="toy_branch", operation="merge", target_id=branch.pk, payload={"name": "n"}), "operation"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as exc:
            config.config_change_propose(actor=maker, **kwargs)
        assert list(exc.value.errors) == [field], kwargs


def test_only_the_administrator_proposes(toy_kind, branch, manager):
    with pytest.raises(NotAllowed):
        propose(manager, branch, name="x")


def test_the_payload_is_validated_again_when_applied(toy_kind, admins, branch):
    maker, checker = admins
    change = propose(maker, branch, timezone="Asia/Shanghai", name="Fine")
    ConfigChange.objects.filter(pk=change.pk).update(payload={"name": "y" * 200})  # as if the rules had moved
    change.refresh_from_db()
    with pytest.raises(InvalidInput):
        config.config_change_apply(actor=checker, change=change)


def test_a_change_proposed_on_other_values_is_not_applied(toy_kind, admins, branch):
    maker, checker = admins
    first, second = propose(maker, branch, name="First"), propose(maker, branch, name="Second")
    config.config_change_apply(actor=checker, change=first)
    with pytest.raises(TransitionNotAllowed, match="changed since"):
        config.config_change_apply(actor=checker, change=second)


def test_a_deletion(toy_kind, admins):
    maker, checker = admins
    other = BranchFactory(name="Doomed")
    gone = config.config_change_propose(actor=maker, kind="toy_branch", operation="delete", target_id=other.pk)
    assert gone.before["name"] == "Doomed"
    config.config_change_apply(actor=checker, change=gone)
    assert not Branch.objects.filter(pk=other.pk).exists()


# --- the API --------------------------------------------------------------------------------

URL = "/api/v1/config-changes/"


def test_the_api_proposes_and_another_administrator_applies(toy_kind, admins, branch, api):
    maker, checker = admins
    body = {"kind": "toy_branch", "operation": "update", "target_id": branch.pk, "payload": {"name": "Via API"}}
    r = api(maker).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    assert r.data["status"] == "pending" and r.data["available_actions"] == ["withdraw"]
    again = api(maker).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.data["id"] == r.data["id"] and ConfigChange.objects.count() == 1
    pk = r.data["id"]

    refused = api(maker).post(f"{URL}{pk}/apply/", {}, format="json")
    assert refused.status_code == 403 and "Four eyes" in refused.data["detail"]
    branch.refresh_from_db()
    assert branch.name == "Branch A"

    shown = api(checker).get(f"{URL}{pk}/")
    assert shown.data["available_actions"] == ["apply", "reject"] and shown.data["before"]["name"] == "Branch A"
    done = api(checker).post(f"{URL}{pk}/apply/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert done.status_code == 200 and done.data["status"] == "applied" and done.data["after"]["name"] == "Via API"
    branch.refresh_from_db()
    assert branch.name == "Via API"
    assert api(checker).post(f"{URL}{pk}/apply/", {}, format="json").status_code == 409


def test_the_api_rejects_with_a_reason_and_withdraws_for_the_proposer(toy_kind, admins, branch, api):
    maker, checker = admins
    first, second = propose(maker, branch, name="One"), propose(maker, branch, name="Two")
    assert api(checker).post(f"{URL}{first.pk}/reject/", {}, format="json").status_code == 400
    r = api(checker).post(f"{URL}{first.pk}/reject/", {"reason": "no"}, format="json")
    assert r.status_code == 200 and (r.data["status"], r.data["reason"]) == ("rejected", "no")
    refused = api(checker).post(f"{URL}{second.pk}/withdraw/", {}, format="json")
    assert refused.status_code == 403 and "Only the person who proposed" in refused.data["detail"]
    assert api(maker).post(f"{URL}{second.pk}/withdraw/", {}, format="json").data["status"] == "withdrawn"


def test_the_api_names_the_field_of_an_invalid_payload(toy_kind, admins, branch, api):
    body = {"kind": "toy_branch", "operation": "update", "target_id": branch.pk, "payload": {"name": "x" * 101}}
    r = api(admins[0]).post(URL, body, format="json")
    assert r.status_code == 400 and list(r.data) == ["name"]
    r = api(admins[0]).post(URL, {**body, "payload": ["name"]}, format="json")
    assert r.status_code == 400 and list(r.data) == ["payload"]
    r = api(admins[0]).post(URL, {**body, "target_id": "１"}, format="json")
    assert r.status_code == 400 and list(r.data) == ["target_id"]


def test_the_list_filters_and_its_queries_are_constant(toy_kind, admins, branch, api, django_assert_max_num_queries):
    maker, checker = admins
    for n in range(5):
        propose(maker, branch, name=f"N{n}")
    config.config_change_withdraw(actor=maker, change=ConfigChange.objects.order_by("id").first())
    with django_assert_max_num_queries(6):
        r = api(checker).get(URL, {"status": "pending"})
    assert r.data["count"] == 4 and all(c["available_actions"] == ["apply", "reject"] for c in r.data["results"])


def test_who_sees_the_changes(toy_kind, admins, branch, api, manager, officer):
    propose(admins[0], branch, name="Seen")
    assert api(manager).get(URL).data["count"] == 1
    assert api(officer).get(URL).status_code == 403
    r = api(manager).post(URL, {"kind": "toy_branch", "operation": "update"}, format="json")
    assert r.status_code == 403 and r.data["detail"] == "Role 'Branch manager' may not propose configuration changes."


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def pages(admins):
    from django.test import Client

    made = []
    for user in admins:
        c = Client(HTTP_ACCEPT_LANGUAGE="en")
        c.force_login(user)
        made.append(c)
    return made


def test_the_list_shows_each_person_their_moves(toy_kind, admins, pages, branch, django_assert_max_num_queries):
    maker, checker = admins
    for n in range(3):
        propose(maker, branch, name=f"N{n}")
    with django_assert_max_num_queries(12):
        r = pages[1].get("/config/changes/", {"status": "pending"})
    body = r.content.decode()
    assert r.status_code == 200 and body.count('class="apply"') == 3 and body.count('class="reject"') == 3
    mine = pages[0].get("/config/changes/").content.decode()
    assert 'class="apply"' not in mine and mine.count('class="withdraw"') == 3
    assert "another administrator applies it" in mine


def test_the_page_applies_and_shows_the_diff(toy_kind, admins, pages, branch):
    maker, checker = admins
    change = propose(maker, branch, name="Paged")
    r = pages[1].get(f"/config/changes/{change.pk}/")
    assert r.status_code == 200
    row = [x for x in r.context["rows"] if x["field"] == "name"][0]
    assert (row["before"], row["proposed"], row["changed"]) == ("Branch A", "Paged", True)
    r = pages[1].post(f"/config/changes/{change.pk}/", {"step": "apply"})
    assert r.status_code == 302
    branch.refresh_from_db()
    assert branch.name == "Paged"


def test_the_proposer_applying_on_the_page_is_403_with_the_reason(toy_kind, admins, pages, branch):
    maker, _checker = admins
    change = propose(maker, branch, name="Mine")
    r = pages[0].post(f"/config/changes/{change.pk}/", {"step": "apply"})
    assert r.status_code == 403 and "Four eyes" in r.content.decode()
    branch.refresh_from_db()
    assert branch.name == "Branch A"
    r = pages[1].post(f"/config/changes/{change.pk}/", {"step": "withdraw"})
    assert r.status_code == 403 and "Only the person who proposed" in r.content.decode()


def test_the_page_rejects_with_a_reason(toy_kind, admins, pages, branch):
    maker, _checker = admins
    change = propose(maker, branch, name="No")
    assert pages[1].post(f"/config/changes/{change.pk}/", {"step": "reject"}).status_code == 200
    change.refresh_from_db()
    assert change.status == "pending"
    assert pages[1].post(f"/config/changes/{change.pk}/", {"step": "reject", "reason": "not now"}).status_code == 302
    change.refresh_from_db()
    assert change.status == "rejected"
    assert pages[0].post(f"/config/changes/{change.pk}/", {"step": "withdraw"}).status_code == 200  # 409's message


def test_the_nav_shows_the_link_to_those_who_may_see(admins, pages, officer, client):
    assert 'id="nav-config"' in pages[0].get("/").content.decode()
    client.force_login(officer)
    assert 'id="nav-config"' not in client.get("/").content.decode()
    assert client.get("/config/changes/").status_code == 403


# --- the policy -----------------------------------------------------------------------------


def propose_policy(maker, setting="UNDERWRITING", key="APR_CAP", value="0.20"):
    return config.config_change_propose(
        actor=maker, kind="policy", operation="update", payload={"setting": setting, "key": key, "value": value}
    )


def test_a_policy_override_takes_effect_when_applied(admins):
    from decimal import Decimal

    from microloan.config.models import PolicyOverride
    from microloan.policy import policy

    maker, checker = admins
    change = propose_policy(maker)
    assert change.before == {"setting": "UNDERWRITING", "key": "APR_CAP", "value": "0.24"}
    assert policy().underwriting.apr_cap == Decimal("0.24")
    config.config_change_apply(actor=checker, change=change)
    assert policy().underwriting.apr_cap == Decimal("0.20")
    assert PolicyOverride.objects.get().value == "0.20"
    event = AuditEvent.objects.get(entity="config_change", entity_id=change.pk, action="apply")
    assert (event.data["before"]["value"], event.data["after"]["value"]) == ("0.24", "0.20")

    nested = propose_policy(maker, "COLLECTION", "CONDUCT.MAX_DIAL_ATTEMPTS", "8")
    config.config_change_apply(actor=checker, change=nested)
    assert policy().collection.conduct.max_dial_attempts == 8

    back = propose_policy(maker, value=None)
    config.config_change_apply(actor=checker, change=back)
    assert policy().underwriting.apr_cap == Decimal("0.24") and PolicyOverride.objects.count() == 1


def test_a_policy_change_rejected_or_withdrawn_changes_nothing(admins):
    from decimal import Decimal

    from microloan.policy import policy

    maker, checker = admins
    config.config_change_reject(actor=checker, change=propose_policy(maker), reason="no")
    config.config_change_withdraw(actor=maker, change=propose_policy(maker))
    with pytest.raises(NotAllowed, match="Four eyes"):
        config.config_change_apply(actor=maker, change=propose_policy(maker))
    assert policy().underwriting.apr_cap == Decimal("0.24")


@pytest.mark.parametrize(
    "setting,key,value,field",
    [
        ("UNDERWRITING", "APR_CAP", "1.5", "value"),  # out of range
        ("UNDERWRITING", "APR_CAP", "lots", "value"),  # not a decimal
        ("UNDERWRITING", "APR_CAP", "０.２", "value"),  # not ASCII digits
        ("COLLECTION", "CONDUCT.MAX_DIAL_ATTEMPTS", "1", "value"),  # fewer than the connected calls
        ("COLLECTION", "PENALTY_DAY_BASIS", "300", "value"),
        ("UNDERWRITING", "NOPE", "1", "key"),
        ("NOPE", "APR_CAP", "1", "setting"),
    ],
)
def test_an_invalid_policy_value_is_refused_naming_the_field(admins, setting, key, value, field):
    with pytest.raises(InvalidInput) as exc:
        propose_policy(admins[0], setting, key, value)
    assert list(exc.value.errors) == [field]


def test_other_processes_see_an_override_within_the_recheck_interval(admins, settings):
    from decimal import Decimal

    from microloan.config.models import PolicyOverride
    from microloan.policy import policy

    assert policy().underwriting.approval_sla_hours == 48
    PolicyOverride.objects.create(setting="UNDERWRITING", key="APPROVAL_SLA_HOURS", value=24)  # another process's
    assert policy().underwriting.approval_sla_hours == 48  # the test settings never recheck by the clock
    settings.POLICY_RECHECK_SECONDS = 0
    assert policy().underwriting.approval_sla_hours == 24
    assert policy().underwriting.apr_cap == Decimal("0.24")


def test_an_override_the_settings_no_longer_allow_is_ignored(admins, settings):
    from microloan.config import overrides
    from microloan.config.models import PolicyOverride
    from microloan.policy import policy

    PolicyOverride.objects.create(setting="COLLECTION", key="CONDUCT.MAX_DIAL_ATTEMPTS", value=4)
    overrides.forget()
    assert policy().collection.conduct.max_dial_attempts == 4
    settings.COLLECTION = {"CONDUCT": {"MAX_CONNECTED_CALLS": 5, "MAX_DIAL_ATTEMPTS": 9}}
    assert policy().collection.conduct.max_dial_attempts == 9  # the settings alone, and an error logged


def test_the_policy_page_proposes_and_another_administrator_applies(admins, pages):
    from decimal import Decimal

    from microloan.policy import policy

    r = pages[0].get("/config/policy/")
    assert r.status_code == 200 and 'data-key="UNDERWRITING:APR_CAP"' in r.content.decode()
    r = pages[0].post("/config/policy/", {"key": "UNDERWRITING:APR_CAP", "value": "2"})
    assert r.status_code == 200 and "value" in r.context["form"].errors
    r = pages[0].post("/config/policy/", {"key": "CUSTOMER_CARE:HOLIDAYS", "value": '["2026-10-01", "2026-10-02"]'})
    change = ConfigChange.objects.get(kind="policy")
    assert r.status_code == 302 and change.payload["value"] == ["2026-10-01", "2026-10-02"]
    assert pages[0].post(f"/config/changes/{change.pk}/", {"step": "apply"}).status_code == 403
    assert pages[1].post(f"/config/changes/{change.pk}/", {"step": "apply"}).status_code == 302
    from datetime import date

    assert date(2026, 10, 2) in policy().care.holidays
    assert policy().underwriting.apr_cap == Decimal("0.24")


def test_the_policy_page_is_the_proposers(manager, client):
    client.force_login(manager)
    assert client.get("/config/policy/").status_code == 403
