"""The grading channel's pure parts: what crosses it (wire), how calls cross it (rpc), and what
the sandbox's emulator filter lets through (network). No sandbox or emulator is started."""

from __future__ import annotations

import socket
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from mmcourse.grading import rpc, wire
from mmcourse.grading.network import admin_refusal, filter_request


def round_trip(value):
    return wire.decode(wire.encode(value))


@pytest.mark.parametrize("value", [None, True, 3, -2**70, 1.5, float("inf"), "héllo", b"\x00\xff",
                                   bytearray(b"ab"), [1, [2]], (1, "a"), {"a": 1, 2: (3,)}, {1, 2},
                                   frozenset({3}), Path("/tmp/x.png"), Decimal("0.0125")])
def test_plain_values_cross_with_their_exact_type(value):
    back = round_trip(value)
    assert type(back) is type(value) and back == value


def test_look_alike_subclasses_are_not_plain_data():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

    class Dict(dict):
        pass

    for value in (AlwaysEqual(1.0), Dict(), [Dict()]):
        with pytest.raises(wire.NotPlain):
            wire.encode(value)


def test_an_unknown_tag_or_a_malformed_value_is_refused():
    for data in ({"$": "pickle", "v": "gASV"}, {"$": "numpy", "type": "object", "v": 1}, [1, 2]):
        with pytest.raises(wire.ChannelClosed):
            wire.decode(data)


def test_exceptions_are_rebuilt_only_from_classes_already_imported():
    data = wire.encode_exception(ValueError("bad input"))
    exc = wire.decode_exception(data, {"builtins": __import__("builtins")})
    assert type(exc) is ValueError and str(exc) == "bad input"
    forged = wire.decode_exception({"module": "os", "name": "system", "message": "rm -rf /"}, {"os": __import__("os")})
    assert isinstance(forged, wire.RemoteError) and type(forged).__name__ == "system"
    exiting = wire.decode_exception({"module": "builtins", "name": "SystemExit", "message": ""}, {"builtins": __import__("builtins")})
    assert not isinstance(exiting, SystemExit)


@pytest.fixture
def pair():
    """A judge endpoint and a sandbox endpoint on a socket pair, the sandbox serving in a thread."""
    judge_end, sandbox_end = socket.socketpair()
    namespace: dict = {}
    sandbox = rpc.Endpoint(sandbox_end, trusted=False)
    sandbox.objects[0] = namespace

    def serve():
        while True:
            try:
                sandbox.serve(wire.recv(sandbox_end))
            except (wire.ChannelClosed, rpc.SandboxDied):
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    judge = rpc.Endpoint(judge_end, trusted=True)
    yield judge, namespace
    judge_end.close()
    thread.join(5)
    sandbox_end.close()


def test_the_judge_calls_the_learners_function_and_gets_its_value(pair):
    judge, namespace = pair
    namespace["mean"] = lambda xs: sum(xs) / len(xs)
    mean = judge.request("getitem", 0, ("mean",))
    assert isinstance(mean, rpc.Stub) and mean([1, 2, 3]) == 2.0


def test_the_learners_exception_crosses_with_its_class(pair):
    judge, namespace = pair

    def mean(xs):
        raise ValueError("mean of an empty list")

    namespace["mean"] = mean
    with pytest.raises(ValueError, match="mean of an empty list"):
        judge.request("getitem", 0, ("mean",))([])


def test_a_callback_runs_in_the_judge_and_mutated_arguments_are_written_back(pair):
    judge, namespace = pair

    def post_with_retries(url, headers, body, sleep):
        sleep(0.5)
        sleep(1.0)
        headers["x-attempt"] = "2"
        return 200

    namespace["post_with_retries"] = post_with_retries
    waits, headers = [], {"a": "b"}
    assert judge.request("getitem", 0, ("post_with_retries",))("u", headers, {}, sleep=waits.append) == 200
    assert waits == [0.5, 1.0] and headers == {"a": "b", "x-attempt": "2"}


def test_objects_the_learner_returns_stay_in_the_sandbox(pair):
    judge, namespace = pair

    class Response:
        status_code = 429

        def json(self):
            return {"error": "slow down"}

    namespace["send"] = Response
    response = judge.request("getitem", 0, ("send",))()
    assert isinstance(response, rpc.Stub)
    assert response.status_code == 429 and response.json() == {"error": "slow down"}


def test_feedback_names_the_learners_own_type_not_the_stand_in(pair):
    from mmcourse.grading.testing import expect

    judge, namespace = pair

    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

    namespace["mean"] = lambda xs: AlwaysEqual(2.0)
    with pytest.raises(AssertionError, match="expected the number 2.0, got a value of type AlwaysEqual"):
        expect(judge.request("getitem", 0, ("mean",))([1, 2, 3]), 2.0)


def test_a_generator_is_iterated_across_the_channel(pair):
    judge, namespace = pair
    namespace["stream"] = lambda n: (i * i for i in range(n))
    assert list(judge.request("getitem", 0, ("stream",))(4)) == [0, 1, 4, 9]


def test_the_sandbox_can_only_call_what_the_judge_handed_over():
    judge_end, sandbox_end = socket.socketpair()
    judge = rpc.Endpoint(judge_end, trusted=True)
    secret = {"answer": 42}
    ref = judge.refer(secret.get)
    sandbox = rpc.Endpoint(sandbox_end, trusted=False)
    for op, args in (("getattr", ["__self__"]), ("repr", []), ("iter", [])):
        wire.send(sandbox_end, {"op": op, "ref": ref, "args": [wire.encode(a) for a in args], "kwargs": {}})
        judge.serve(wire.recv(judge_end))
        reply = wire.recv(sandbox_end)
        assert reply["op"] == "raised", (op, reply)
    del sandbox


def test_a_forged_message_is_at_most_a_value():
    """Written into the channel before the judge asks, a 'result' only answers the next question
    (with a value the test then judges); anything that is not an answer ends the sandbox's turn."""
    judge_end, sandbox_end = socket.socketpair()
    judge = rpc.Endpoint(judge_end, trusted=True)
    wire.send(sandbox_end, {"op": "result", "value": 2.0})
    assert judge.request("getitem", 0, ("mean",)) == 2.0  # "mean" is now 2.0: calling it fails the test
    wire.send(sandbox_end, {"op": "verdict", "key": "ex-mean/visible-tests/0/test_mean_of_three", "status": "passed"})
    with pytest.raises(rpc.SandboxDied):
        judge.request("getitem", 0, ("mean",))


@pytest.mark.parametrize(("method", "target", "testing", "refused"), [
    ("POST", "/_mmcourse/faults?scope=*", True, True),
    ("DELETE", "/_mmcourse/log", True, True),
    ("POST", "/%5Fmmcourse/reset", True, True),
    ("POST", "//_mmcourse/reset", True, True),
    ("GET", "/_mmcourse/log?scope=*", True, False),
    ("POST", "/_mmcourse/faults", False, False),
    ("POST", "/v1/chat/completions", True, False),
])
def test_admin_writes_are_refused_while_the_tests_run(method, target, testing, refused):
    assert (admin_refusal(method, target, testing) is not None) is refused


def test_the_filter_forces_one_request_per_connection_and_drops_the_admin_token():
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
            b"x-mmcourse-admin-token: guess\r\nContent-Length: 2\r\n\r\n")
    rewritten, length, refusal = filter_request(head)
    assert refusal is None and length == 2
    assert b"keep-alive" not in rewritten and b"admin-token" not in rewritten
    assert rewritten.endswith(b"Connection: close\r\n\r\n")
    assert filter_request(head.replace(b"Content-Length: 2", b"Transfer-Encoding: chunked"))[2]
