"""The emulator's routes are declared: Starlette routes built from each wire's route table, one
route per admin endpoint, and each wire's own 404 for a path it does not serve."""

from __future__ import annotations

import httpx
import pytest

from mmcourse.emulator import app as emulator_app
from mmcourse.emulator import routes


@pytest.fixture
def http(origin):
    with httpx.Client(base_url=origin, timeout=30) as client:
        yield client


def test_every_wire_route_is_a_starlette_route_of_one_method():
    for wire in emulator_app.WIRES:
        table = routes.table_of(wire)
        assert len(table.routes) == len(wire.routes)
        assert all(isinstance(r, routes.WireRoute) and len(r.methods) == 1 for r in table.routes)


def test_the_app_declares_one_route_per_admin_endpoint_and_one_mount_per_wire():
    app = emulator_app.create_app()
    declared = app.app.router.routes
    admin = {(next(iter(r.methods)), r.path) for r in declared if isinstance(r, routes.ExactRoute)}
    assert admin == {(m, f"/_mmcourse/{a}") for m, a in emulator_app.ADMIN_ENDPOINTS}
    mounted = [r.wire for r in declared if isinstance(r, emulator_app.WireMount)]
    assert mounted == emulator_app.WIRES


def test_path_parameters_come_from_the_template():
    handler, limit, auth, params = routes.match_route(
        emulator_app.gemini_wire.WIRE, "POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
    assert params == {"version": "v1beta", "model": "gemini-2.5-flash", "method": "streamGenerateContent"}
    assert handler == emulator_app.gemini_wire.WIRE.model_method and auth


def test_a_parameter_declared_with_a_convertor_matches_only_its_pattern():
    wire = emulator_app.openai_wire.WIRE
    assert routes.match_route(wire, "GET", "/v1/batches/batch_abc")[3] == {"batch_id": "batch_abc"}
    assert routes.match_route(wire, "GET", "/v1/batches/abc") is None


def test_a_route_written_as_a_regular_expression_is_refused_with_the_template_syntax():
    with pytest.raises(ValueError, match=r"Starlette templates: \{name\}"):
        routes.WireRoute("GET", r"/v1/things/(?P<id>[^/]+)", lambda call: None, 1024)


def test_a_convertor_declared_twice_with_another_pattern_is_refused():
    routes.path_convertor("test_thing_id", r"thing_[0-9]+")
    routes.path_convertor("test_thing_id", r"thing_[0-9]+")  # the same again is harmless
    with pytest.raises(ValueError, match="already declared"):
        routes.path_convertor("test_thing_id", r"[a-z]+")


@pytest.mark.parametrize(("method", "path", "headers", "body"), [
    ("POST", "/v1/chat/completion", {"authorization": "Bearer k"},
     {"error": {"message": "Invalid URL (POST /v1/chat/completion)", "type": "invalid_request_error",
                "param": None, "code": None}}),
    ("HEAD", "/v1/models", {"authorization": "Bearer k"}, None),  # GET routes do not answer HEAD
    ("PUT", "/v1beta/models/gemini-2.5-flash:generateContent", {"x-goog-api-key": "k"},
     {"error": {"code": 404, "message": "Method not found: PUT /v1beta/models/gemini-2.5-flash:generateContent.",
                "status": "NOT_FOUND"}}),
])
def test_a_path_or_method_a_wire_does_not_serve_is_that_wires_404(http, method, path, headers, body):
    resp = http.request(method, path, headers=headers)
    assert resp.status_code == 404
    if body is not None:
        assert resp.json() == body


def test_an_admin_path_written_with_extra_slashes_reaches_its_endpoint(http):
    assert http.get("/_mmcourse/health/").json()["emulator"] == "mmcourse"
    assert http.get("/_mmcourse//health").json()["emulator"] == "mmcourse"


def test_an_unknown_admin_endpoint_or_method_is_a_json_404_that_names_it(http):
    resp = http.post("/_mmcourse/health")
    assert resp.status_code == 404
    assert resp.json()["error"].startswith("no admin endpoint POST /_mmcourse/health")
