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
