"""Prometheus metrics of the pipeline, served at /metrics."""

from prometheus_client import Counter, Gauge, Histogram

WEBHOOKS = Counter("hudhud_webhooks_total", "Webhook POSTs by result", ["result"])
JOBS_QUEUED = Counter("hudhud_jobs_queued_total", "Jobs queued by kind", ["kind"])
DUPLICATES = Counter("hudhud_duplicates_total", "Deliveries dropped as duplicates (same wamid/status)")
TURNS = Counter("hudhud_turns_total", "Turns answered by outcome", ["status"])
TURN_SECONDS = Histogram(
    "hudhud_turn_seconds", "Time to answer a turn", buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120)
)
LIMITED = Counter(
    "hudhud_turns_limited_total",
    "Turns answered by abuse control instead of the responder, by reason",
    ["reason"],
)
MERGED = Counter("hudhud_jobs_merged_total", "Message jobs absorbed by a running turn of the same user")
RECLAIMED = Counter("hudhud_jobs_reclaimed_total", "Jobs taken over from dead workers")
JOB_FAILURES = Counter("hudhud_job_failures_total", "Job runs that failed and will be retried")
DEAD_LETTERS = Counter("hudhud_dead_letters_total", "Jobs and turns moved to the dead-letter stream")
REDIS_DATA_LOSSES = Counter(
    "hudhud_redis_data_losses_total", "Times Redis was found emptied under the running service"
)
GROUP_RECREATED = Counter("hudhud_worker_group_recreated_total", "Worker group found missing and recreated")
QUEUE_DEPTH = Gauge("hudhud_queue_depth", "Jobs in the inbound stream not yet done (at the last /readyz)")
QUEUE_OLDEST_AGE = Gauge(
    "hudhud_queue_oldest_age_seconds", "Age of the oldest job not yet done (at the last /readyz)"
)

# --- what users and the model see (docs/observability.md). No label carries a phone number or a text:
# types, statuses, paths, tool names and Graph error codes are small fixed sets.
MESSAGES_IN = Counter(
    "hudhud_messages_in_total",
    "Inbound messages by WhatsApp type and status (queued, duplicate)",
    ["type", "status"],
)
MESSAGES_OUT = Counter(
    "hudhud_messages_out_total",
    "Reply parts by type (text, buttons, list, template, media) and status (sent, failed, undeliverable,"
    " fallback, error: a retryable failure left for a retry)",
    ["type", "status"],
)
DELIVERY_STATUSES = Counter(
    "hudhud_delivery_statuses_total",
    "Status webhooks of sent messages (sent, delivered, read, failed)",
    ["status"],
)
REPLY_SECONDS = Histogram(
    "hudhud_reply_seconds",
    "Time to answer a turn by path (command, knowledge, small_talk, other)",
    ["path"],
    buckets=(0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120),
)
TOOL_CALLS = Counter(
    "hudhud_tool_calls_total", "Tool calls by tool and result (ok, failed, refused)", ["tool", "result"]
)
MODEL_SECONDS = Histogram(
    "hudhud_model_seconds",
    "Time a turn waited for the model (routing and written answers together)",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 40, 80),
)
MODEL_TOKENS = Counter("hudhud_model_tokens_total", "Model tokens by direction (in, out)", ["direction"])
DEAD_LETTERS_HELD = Gauge(
    "hudhud_dead_letters_held", "Entries in the dead-letter stream (at the last sample)"
)
ALERTS = Counter("hudhud_alerts_total", "Alerts fired by rule and channel result", ["rule", "result"])
UNDELIVERED = Counter(
    "hudhud_replies_undelivered_total",
    "Replies that could not be delivered (operator event written), by what gave up: dead_letter or"
    " the kind of error Graph refused with",
    ["reason"],
)
DELIVERY_NOTICES = Counter(
    "hudhud_delivery_notices_total",
    "Notices to users whose reply could not be delivered, by outcome (sent, failed, window_closed)",
    ["outcome"],
)
