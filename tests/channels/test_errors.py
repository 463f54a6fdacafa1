from __future__ import annotations

import pytest

from channels.whatsapp.errors import ErrorKind, GraphError, PairRateLimited, classify, retryable

K = ErrorKind


@pytest.mark.parametrize(
    ("code", "http_status", "kind"),
    [
        # throttling, whatever status Graph pairs them with
        (130429, 400, K.throttled),
        (131056, 400, K.pair_limited),  # one recipient: backed off by the pacer, for that user only
        (131056, None, K.pair_limited),
        (80007, 400, K.throttled),
        (4, 400, K.throttled),
        (131048, 400, K.throttled),
        (613, 400, K.throttled),
        (130429, None, K.throttled),
        (130429, 429, K.throttled),
        # transient
        (None, None, K.transient),  # no response: network error
        (None, 500, K.transient),
        (None, 503, K.transient),
        (None, 429, K.transient),
        (1, 500, K.transient),
        (2, 503, K.transient),
        (131000, 500, K.transient),
        (131016, 503, K.transient),
        (131000, None, K.transient),
        (999999, 502, K.transient),  # unknown code, 5xx
        # 24-hour window, undeliverable
        (131047, 400, K.reengagement),
        (131047, None, K.reengagement),
        (131026, 400, K.undeliverable),
        (131026, None, K.undeliverable),
        # auth
        (190, 401, K.auth),
        (190, 400, K.auth),
        (190, None, K.auth),
        (0, 401, K.auth),
        (10, 403, K.auth),
        (200, 403, K.auth),
        (299, 400, K.auth),
        (None, 401, K.auth),
        # permanent
        (100, 400, K.permanent),
        (100, 500, K.permanent),  # a known permanent code beats a 5xx status
        (131051, 400, K.permanent),
        (131009, 400, K.permanent),
        (131008, 400, K.permanent),
        (131021, 400, K.permanent),
        (132000, 400, K.permanent),
        (132001, 404, K.permanent),
        (133010, 400, K.permanent),
        (0, 400, K.permanent),
        (None, 400, K.permanent),
        (None, 404, K.permanent),
        (999999, 400, K.permanent),
        (999999, None, K.permanent),  # unknown code from a status webhook
        (None, 200, K.permanent),  # a 2xx with an unusable body
    ],
)
def test_classify_table(code: int | None, http_status: int | None, kind: ErrorKind) -> None:
    assert classify(code, http_status) is kind


def test_classify_http_status_is_optional() -> None:
    assert classify(131047) is K.reengagement


def test_retryable_only_throttled_and_transient() -> None:
    assert {k for k in ErrorKind if retryable(k)} == {K.throttled, K.pair_limited, K.transient}


def test_pair_rate_limit_is_its_own_type() -> None:
    body = {"message": "(#131056) (Business Account, Consumer Account) pair rate limit hit", "code": 131056}
    err = GraphError.from_error_object(body, http_status=400)
    assert isinstance(err, PairRateLimited) and err.kind is K.pair_limited and err.retryable
    other = GraphError.from_error_object({"message": "throughput", "code": 130429}, http_status=400)
    assert not isinstance(other, PairRateLimited) and other.kind is K.throttled


def test_graph_error_fields_and_message() -> None:
    err = GraphError(
        "Message undeliverable",
        http_status=400,
        code=131026,
        subcode=2494010,
        title="OAuthException",
        fbtrace_id="Atrace",
        details="Message Undeliverable.",
        retry_after=None,
    )
    assert err.kind is K.undeliverable
    assert not err.retryable
    assert (err.http_status, err.code, err.subcode, err.fbtrace_id) == (400, 131026, 2494010, "Atrace")
    text = str(err)
    assert "(HTTP 400, code 131026/2494010)" in text and "Message Undeliverable." in text
    assert "undeliverable" in text


def test_graph_error_explicit_kind_and_network_message() -> None:
    err = GraphError("ConnectError: refused")
    assert err.kind is K.transient and err.retryable
    assert str(err) == "Graph transient error: ConnectError: refused"
    assert GraphError("odd", http_status=200, kind=K.permanent).kind is K.permanent


def test_from_error_object_api_shape() -> None:
    body = {
        "message": "(#131047) Re-engagement message",
        "type": "OAuthException",
        "code": 131047,
        "error_subcode": "2494010",
        "error_data": {"messaging_product": "whatsapp", "details": "More than 24 hours have passed"},
        "fbtrace_id": "Azzz",
    }
    err = GraphError.from_error_object(body, http_status=400, retry_after=1.5)
    assert err.kind is K.reengagement
    assert err.code == 131047 and err.subcode == 2494010
    assert err.title == "OAuthException"
    assert err.details == "More than 24 hours have passed"
    assert err.fbtrace_id == "Azzz" and err.retry_after == 1.5


def test_from_error_object_webhook_shape() -> None:
    # statuses[].errors[] in a status webhook: title, no type/fbtrace_id, no HTTP status.
    entry = {
        "code": 131026,
        "title": "Message undeliverable.",
        "message": "Message undeliverable.",
        "error_data": {"details": "Message Undeliverable."},
    }
    err = GraphError.from_error_object(entry)
    assert err.kind is K.undeliverable and err.http_status is None
    assert err.title == "Message undeliverable."
    # details that only repeat the message are not repeated
    assert str(err) == "Graph undeliverable error (code 131026): Message undeliverable."


def test_from_error_object_sparse_and_malformed() -> None:
    err = GraphError.from_error_object({"code": "not-a-number", "error_data": "x"}, http_status=500)
    assert err.code is None and err.details is None and err.kind is K.transient
    assert err.message == "unknown Graph error"
    assert GraphError.from_error_object({"error_user_msg": "Try later", "code": 4}).message == "Try later"
