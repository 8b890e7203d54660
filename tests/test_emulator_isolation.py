"""A class-wide emulator keeps learners apart: every way a learner could reach another's scope.

Learner keys are HMACs of the hub user name keyed with the class's secret, an API request's
scope comes from its key, and a scope named by the client counts only with the admin token.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

from mmcourse import emulator, identity, registry

TOKEN = "class-secret-7f3a9c"
MODEL = registry.default_model("openai")
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "hello"}]}
ADMIN = {identity.ADMIN_TOKEN_HEADER: TOKEN}


@pytest.fixture(scope="module")
def classroom():
    with emulator.start(port=0, admin_token=TOKEN) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            yield http


@pytest.fixture
def alice():
    return identity.learner_key("alice", TOKEN)


@pytest.fixture
def bob(classroom):
    key = identity.learner_key("bob", TOKEN)
    classroom.post("/_mmcourse/reset", params={"scope": identity.scope_of(key)}, headers=ADMIN)
    return key


def chat(http: httpx.Client, key: str, headers=(), params=None) -> httpx.Response:
    return http.post("/v1/chat/completions", json=CHAT, params=params,
                     headers=[("authorization", f"Bearer {key}"), *headers])


def log_of(http: httpx.Client, key: str) -> list[dict]:
    return http.get("/_mmcourse/log", params={"scope": identity.scope_of(key)}, headers=ADMIN).json()["records"]


# ---------------------------------------------------------------- learner keys


def test_a_learner_key_is_an_hmac_of_the_user_name_keyed_with_the_class_secret():
    mac = hmac.new(TOKEN.encode(), b"mmcourse learner scope\x00alice", hashlib.sha256).hexdigest()[:32]
    assert identity.learner_key("alice", TOKEN) == f"mmcourse-offline-learner-{mac}"


def test_without_the_secret_nobody_computes_a_learners_key():
    real = identity.learner_key("bob", TOKEN)
    guesses = [identity.learner_key("bob", None), identity.learner_key("bob", "guess"),
               identity.offline_key({"JUPYTERHUB_USER": "bob"}), identity.offline_key({"MMCOURSE_SCOPE": "bob"})]
    assert real not in guesses


def test_learner_scopes_are_header_safe_and_never_say_invalid():
    for name in ("alice", "Bob Smith", "zoë", "李", "invalid"):
        scope = identity.learner_scope(name, TOKEN)
        assert scope.isascii() and scope.startswith("learner-") and "invalid" not in scope


# ---------------------------------------------------------------- API routes


def test_an_api_request_lands_in_its_keys_scope(classroom, alice):
    assert chat(classroom, alice).status_code == 200
    assert log_of(classroom, alice)[-1]["scope"] == identity.scope_of(alice)


@pytest.mark.parametrize("header", ["x-mmcourse-scope", "X-MMCOURSE-SCOPE", "X-Mmcourse-Scope"])
def test_a_scope_header_cannot_write_into_another_learners_log(classroom, alice, bob, header):
    assert chat(classroom, alice, [(header, identity.scope_of(bob))]).status_code == 200
    assert log_of(classroom, bob) == []


def test_a_scope_query_parameter_on_an_api_route_is_ignored(classroom, alice, bob):
    assert chat(classroom, alice, params={"scope": identity.scope_of(bob)}).status_code == 200
    assert log_of(classroom, bob) == []


def test_a_learner_cannot_consume_a_fault_queued_for_another(classroom, alice, bob):
    body = {"provider": "openai", "status": 503, "count": 1}
    classroom.post("/_mmcourse/faults", json=body, params={"scope": identity.scope_of(bob)}, headers=ADMIN)
    assert chat(classroom, alice, [("x-mmcourse-scope", identity.scope_of(bob))]).status_code == 200
    assert chat(classroom, bob).status_code == 503


def test_a_doubled_or_wrong_admin_token_does_not_move_a_request(classroom, alice, bob):
    sent = [("x-mmcourse-scope", identity.scope_of(bob)), (identity.ADMIN_TOKEN_HEADER, "wrong"),
            (identity.ADMIN_TOKEN_HEADER, TOKEN)]
    assert chat(classroom, alice, sent).status_code == 200
    assert chat(classroom, alice, sent[:2]).status_code == 200
    assert log_of(classroom, bob) == []


def test_with_the_admin_token_a_scope_header_routes_a_request(classroom, alice):
    sent = [("x-mmcourse-scope", "grading-run-7"), (identity.ADMIN_TOKEN_HEADER, TOKEN)]
    assert chat(classroom, alice, sent).status_code == 200
    records = classroom.get("/_mmcourse/log", params={"scope": "grading-run-7"}, headers=ADMIN).json()["records"]
    assert [r["scope"] for r in records] == ["grading-run-7"]


# ---------------------------------------------------------------- admin routes


def test_a_learner_reads_their_own_log_by_key_without_naming_a_scope(classroom, alice):
    chat(classroom, alice)
    answer = classroom.get("/_mmcourse/log", headers={identity.KEY_HEADER: alice}).json()
    assert answer["scope"] == identity.scope_of(alice) and answer["records"]


@pytest.mark.parametrize("method, action, body", [
    ("GET", "log", None), ("DELETE", "log", None), ("DELETE", "faults", None), ("POST", "reset", None),
    ("POST", "faults", {"provider": "openai", "status": 500}),
    ("POST", "limits", {"provider": "openai", "requests_per_minute": 1}),
    ("GET", "documents", None), ("DELETE", "documents", None),
    ("POST", "documents", {"documents": [{"path": "x.png", "kind": "receipt", "mime": "image/png",
                                          "sha256": "0" * 64, "truth": {"total": 1.0}}]}),
])
def test_every_admin_endpoint_refuses_another_learners_scope(classroom, alice, bob, method, action, body):
    resp = classroom.request(method, f"/_mmcourse/{action}", json=body,
                             params={"scope": identity.scope_of(bob)}, headers={identity.KEY_HEADER: alice})
    assert resp.status_code == 403 and "x-mmcourse-admin-token" in resp.json()["error"]


@pytest.mark.parametrize("query", ["scope=*", "scope=%2A", "scope=%2a"])
def test_all_scopes_need_the_admin_token(classroom, alice, query):
    resp = classroom.get(f"/_mmcourse/log?{query}", headers={identity.KEY_HEADER: alice})
    assert resp.status_code == 403
    assert classroom.get(f"/_mmcourse/log?{query}", headers=ADMIN).status_code == 200


def test_a_percent_encoded_scope_is_refused_like_the_plain_one(classroom, alice, bob):
    encoded = "".join(f"%{b:02X}" for b in identity.scope_of(bob).encode())
    resp = classroom.get(f"/_mmcourse/log?scope={encoded}", headers={identity.KEY_HEADER: alice})
    assert resp.status_code == 403


@pytest.mark.parametrize("header", ["x-mmcourse-scope", "X-MMCOURSE-SCOPE"])
def test_a_scope_header_on_an_admin_route_is_checked_like_the_query(classroom, alice, bob, header):
    resp = classroom.get("/_mmcourse/log", headers={header: identity.scope_of(bob), identity.KEY_HEADER: alice})
    assert resp.status_code == 403


def test_a_query_name_in_another_case_is_not_a_scope(classroom, alice, bob):
    resp = classroom.get(f"/_mmcourse/log?Scope={identity.scope_of(bob)}&SCOPE=*",
                         headers={identity.KEY_HEADER: alice})
    assert resp.status_code == 200 and resp.json()["scope"] == identity.scope_of(alice)


@pytest.mark.parametrize("path", ["/_mmcourse/log/", "/_mmcourse//log", "/%5Fmmcourse/log", "/_mmcourse/%6Cog"])
def test_path_variants_of_an_admin_endpoint_are_refused_too(classroom, alice, bob, path):
    resp = classroom.get(f"{path}?scope={identity.scope_of(bob)}", headers={identity.KEY_HEADER: alice})
    assert resp.status_code == 403


@pytest.mark.parametrize("sent", [
    [("x-mmcourse-key", "k1"), ("x-mmcourse-key", "k2")],
    [(identity.ADMIN_TOKEN_HEADER, "wrong"), (identity.ADMIN_TOKEN_HEADER, TOKEN)],
    [(identity.ADMIN_TOKEN_HEADER, TOKEN), (identity.ADMIN_TOKEN_HEADER, TOKEN)],
], ids=["two keys", "wrong then right token", "token twice"])
def test_a_credential_sent_twice_is_refused(classroom, sent):
    assert classroom.get("/_mmcourse/log", headers=sent).status_code == 400


def test_two_different_scopes_are_refused(classroom, alice):
    own = identity.scope_of(alice)
    both = classroom.get(f"/_mmcourse/log?scope={own}&scope=other", headers={identity.KEY_HEADER: alice})
    mixed = classroom.get(f"/_mmcourse/log?scope={own}", headers={identity.KEY_HEADER: alice, "x-mmcourse-scope": "x"})
    assert (both.status_code, mixed.status_code) == (400, 400)


@pytest.mark.parametrize("scope", ["../etc", "a" * 200, "zo%C3%AB", "%00", "a%20b"])
def test_a_malformed_scope_is_a_400_that_says_what_a_scope_is(classroom, scope):
    resp = classroom.get(f"/_mmcourse/log?scope={scope}", headers=ADMIN)
    assert resp.status_code == 400 and "is not a scope" in resp.json()["error"]


@pytest.mark.parametrize("token", ["wrong", "", "zoë-non-ascii", TOKEN + "x", TOKEN.upper(), TOKEN[:-1]])
def test_a_wrong_admin_token_is_a_403_never_a_500(classroom, token):
    resp = classroom.get("/_mmcourse/log?scope=*", headers={identity.ADMIN_TOKEN_HEADER: token.encode()})
    assert resp.status_code == 403


def test_a_guessed_key_without_the_secret_reaches_only_its_own_empty_scope(classroom, bob):
    chat(classroom, bob)
    guess = identity.learner_key("bob", None)
    answer = classroom.get("/_mmcourse/log", headers={identity.KEY_HEADER: guess}).json()
    assert answer["scope"] != identity.scope_of(bob) and answer["records"] == []


def test_health_is_open_and_never_shows_the_token(classroom):
    resp = classroom.get("/_mmcourse/health")
    assert resp.status_code == 200 and TOKEN not in resp.text
    assert resp.json()["settings"]["admin_token_required"] is True


def test_an_oversized_admin_body_is_refused(classroom):
    resp = classroom.post("/_mmcourse/faults", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=ADMIN)
    assert resp.status_code == 400 and "at most" in resp.json()["error"]


def test_a_refused_admin_request_is_not_read(classroom, alice, bob):
    resp = classroom.post("/_mmcourse/faults", content=b"x" * (512 * 1024),
                          params={"scope": identity.scope_of(bob)}, headers={identity.KEY_HEADER: alice})
    assert resp.status_code == 403
