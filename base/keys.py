"""Every Redis key Hudhud stores, in one place, under one prefix (a test fails when a key is built
elsewhere). Renaming a stored key needs a migration that runs at start."""

from __future__ import annotations

from dataclasses import dataclass


def conversation_id(phone_number_id: str, wa_id: str) -> str:
    """A conversation is one user talking to one bot number."""
    return f"{phone_number_id}:{wa_id}"


@dataclass(frozen=True)
class Keys:
    prefix: str = "hudhud"

    @property
    def inbound(self) -> str:
        """Stream of jobs (messages, statuses) read by the worker group."""
        return f"{self.prefix}:in"

    @property
    def dead(self) -> str:
        """Dead-letter stream: jobs and turns that failed too often, with their error."""
        return f"{self.prefix}:dead"

    @property
    def events(self) -> str:
        """Capped stream of what needs no reply but is recorded (reactions, statuses, account updates...)."""
        return f"{self.prefix}:events"

    @property
    def turns(self) -> str:
        """The interaction log (hudhud/interactions.py): a stream of turns with their messages, path,
        tool calls, outcome and latency; trimmed by age (HUDHUD_LOG_RETENTION_S)."""
        return f"{self.prefix}:turns"

    def turns_of(self, wa_id: str) -> str:
        """Sorted set: a user's entries in the interaction log (stream ids, scored by time), expiring
        with the log's retention."""
        return f"{self.prefix}:turns:user:{wa_id}"

    def minute(self, minute: int) -> str:
        """Hash of one minute's aggregates (hudhud/aggregates.py): counters by name, with a TTL."""
        return f"{self.prefix}:agg:{minute}"

    def alert(self, name: str) -> str:
        """Alerting (hudhud/alerts.py): `lease` (the one evaluator), `cursor` (the events read so far),
        `cool:<rule>` (a rule that fired recently; its TTL is the cool-down)."""
        return f"{self.prefix}:alert:{name}"

    @property
    def stats(self) -> str:
        """Hash of counters (statuses by kind, delivery errors by code...)."""
        return f"{self.prefix}:stats"

    @property
    def sentinel(self) -> str:
        """Written when the service starts; missing while it runs means Redis lost its data."""
        return f"{self.prefix}:sentinel"

    @property
    def format_version(self) -> str:
        """The version of the stored formats (hudhud/migrations.py): raised by each migration at start."""
        return f"{self.prefix}:format"

    @property
    def migration_lock(self) -> str:
        """Held by the one process running the migrations; the others wait for the version to rise."""
        return f"{self.prefix}:format:lock"

    group: str = "workers"

    @property
    def everything(self) -> str:
        """SCAN pattern of every key under this prefix."""
        return f"{self.prefix}:*"

    def within(self, name: str) -> Keys:
        """The keys of a namespace inside this one (an eval case's, say), cleared with its `everything`."""
        return Keys(f"{self.prefix}:{name}")

    def rate(self, conv: str, minute: int | str) -> str:
        """Messages a conversation sent in one minute (counted by the enqueue script, TTL 3 min)."""
        return f"{self.prefix}:rate:{conv}:{minute}"

    def rate_all(self, minute: int) -> str:
        """Messages everyone sent in one minute."""
        return f"{self.prefix}:rate:*all*:{minute}"

    def flood(self, conv: str) -> str:
        """Hash: digest of a recent message text -> how often the conversation sent it (short TTL)."""
        return f"{self.prefix}:flood:{conv}"

    def block(self, wa_id: str) -> str:
        """A temporarily blocked number (the value: why); its TTL is the block's length."""
        return f"{self.prefix}:block:{wa_id}"

    def handoff(self, wa_id: str) -> str:
        """Hash: the bot is paused for this number while a person answers (hudhud/handoff.py): who, since."""
        return f"{self.prefix}:handoff:{wa_id}"

    def block_notice(self, wa_id: str) -> str:
        """Set once the blocked number was told, so the notice is sent once per block."""
        return f"{self.prefix}:block:{wa_id}:told"

    @property
    def unthrottled(self) -> str:
        """Set of numbers an admin exempted from the rate and flood limits."""
        return f"{self.prefix}:unthrottled"

    @property
    def ops(self) -> str:
        """Capped stream of operator events (base/ops_events.py: a reply that could not be delivered...),
        for alerts to forward."""
        return f"{self.prefix}:ops"

    def pace_number(self, phone_number_id: str) -> str:
        """Token bucket of a bot number's outbound sends, shared by every worker
        (channels/whatsapp/pacing.py); expires once full again."""
        return f"{self.prefix}:pace:{phone_number_id}"

    def pace_pair(self, phone_number_id: str, wa_id: str) -> str:
        """Token bucket of one bot number's sends to one user (Meta's pair rate limit); expires once full."""
        return f"{self.prefix}:pace:{phone_number_id}:{wa_id}"

    def seen(self, dedupe_id: str) -> str:
        return f"{self.prefix}:seen:{dedupe_id}"

    def inbox(self, conv: str) -> str:
        """Messages of a conversation not yet covered by a finished turn, in arrival order."""
        return f"{self.prefix}:inbox:{conv}"

    def lease(self, conv: str) -> str:
        """Held by the worker running this conversation's turn; renewed while it runs."""
        return f"{self.prefix}:lease:{conv}"

    def current_turn(self, conv: str) -> str:
        """The turn being run for a conversation: kept until finished so a retry runs the same turn."""
        return f"{self.prefix}:turn:{conv}"

    def outbox(self, turn_id: str) -> str:
        """Hash of a turn's reply parts: recorded before sending, marked sent with Graph's id after."""
        return f"{self.prefix}:outbox:{turn_id}"

    def sent(self, wamid: str) -> str:
        """Outbound message id -> which turn/part it was, so status webhooks can be traced back."""
        return f"{self.prefix}:sent:{wamid}"

    # --- the agent, its tools and the people it acts for ---

    @property
    def agent_traces(self) -> str:
        """Capped stream of agent turns (decision, tool calls, prompt versions, timings)."""
        return f"{self.prefix}:agent"

    @property
    def tool_calls(self) -> str:
        """Capped stream of executed tool calls with their outcome."""
        return f"{self.prefix}:tools"

    def prefs(self, wa_id: str) -> str:
        """Hash of a user's preferences (language, reply language, time zone)."""
        return f"{self.prefix}:user:{wa_id}:prefs"

    def link(self, wa_id: str) -> str:
        """Which core-API user a WhatsApp number acts as (or that it is blocked)."""
        return f"{self.prefix}:link:{wa_id}"

    def confirmation(self, wa_id: str) -> str:
        """The tool call waiting for a user's Confirm tap."""
        return f"{self.prefix}:confirm:{wa_id}"

    def readings(self, wa_id: str) -> str:
        """The readings of an unclear command offered to a user ("did you mean…", agent/readings.py)."""
        return f"{self.prefix}:mean:{wa_id}"

    def choice(self, wa_id: str) -> str:
        """The tool call waiting for a user to pick, from a list, the object it acts on (tools/naming.py)."""
        return f"{self.prefix}:pick:{wa_id}"

    def undo(self, user_id: int) -> str:
        """The user's own last change made through Hudhud and how to revert it (tools/undo.py); expires
        after twice HUDHUD_UNDO_WINDOW_S (undoable within the window itself)."""
        return f"{self.prefix}:undo:{user_id}"

    def tool_mode(self, digest: str) -> str:
        """Whether a model endpoint does native tool calls (probed once, cached)."""
        return f"{self.prefix}:toolmode:{digest}"

    # --- the sandbox messenger (channels/whatsapp/sandbox.py) ---

    def sandbox(self, *parts: str) -> str:
        """`outbox` (every send), `to:<wa_id>` (one recipient's), `reads`, `media:<id>`."""
        return ":".join((self.prefix, "sandbox", *parts))

    # --- conversation memory (memory/history.py): one conversation = one bot profile and one user ---

    def history(self, profile: str, wa_id: str) -> str:
        """List of a conversation's messages, oldest first: JSON with the text encrypted."""
        return f"{self.prefix}:hist:{profile}:{wa_id}:log"

    def history_meta(self, profile: str, wa_id: str) -> str:
        """Hash: the last sequence number given, and the rolling summary (encrypted) with its extent."""
        return f"{self.prefix}:hist:{profile}:{wa_id}:meta"

    def history_turns(self, profile: str, wa_id: str) -> str:
        """Sorted set of the turn ids recorded lately, so a retried turn is not recorded twice."""
        return f"{self.prefix}:hist:{profile}:{wa_id}:turns"

    def history_fold_lock(self, profile: str, wa_id: str) -> str:
        """Held while the conversation's older messages are folded into its summary."""
        return f"{self.prefix}:hist:{profile}:{wa_id}:fold"

    def history_logs(self) -> str:
        """SCAN pattern of every conversation's message log (key rotation walks them)."""
        return f"{self.prefix}:hist:*:log"

    def history_owner(self, log_key: str) -> tuple[str, str]:
        """(profile, wa_id) of a key made by `history`."""
        profile, _, wa_id = log_key.removeprefix(f"{self.prefix}:hist:").removesuffix(":log").partition(":")
        return profile, wa_id

    @staticmethod
    def rotating(key: str) -> str:
        """Scratch copy of a stream while key rotation rewrites it (hudhud/rotation.py); renamed over it."""
        return f"{key}:rotating"

    def history_profiles(self, wa_id: str) -> str:
        """Set of the profiles holding history for a user, so forget and export need no SCAN."""
        return f"{self.prefix}:histidx:{wa_id}"

    # --- the admin dashboard (hudhud/admin) ---

    @property
    def tools_off(self) -> str:
        """Set of the tools an admin switched off: every worker reads it at each turn (tools/switches.py)."""
        return f"{self.prefix}:tools:off"

    def admin_account(self, username: str) -> str:
        """Hash of one dashboard account: role, scrypt password hash, when it was made."""
        return f"{self.prefix}:admin:account:{username}"

    @property
    def admin_accounts(self) -> str:
        """Set of the dashboard's usernames."""
        return f"{self.prefix}:admin:accounts"

    def admin_session(self, digest: str) -> str:
        """Hash of a signed-in browser (username, role, CSRF token), by the sha256 of its cookie; TTL =
        the session's length."""
        return f"{self.prefix}:admin:session:{digest}"

    def admin_login_failures(self, scope: str) -> str:
        """Failed dashboard logins in the current window, per account and client or per client."""
        return f"{self.prefix}:admin:fails:{scope}"

    @property
    def eval_queue(self) -> str:
        """List of the eval run requests waiting, oldest first (hudhud/admin/eval_queue.py)."""
        return f"{self.prefix}:evals:queue"

    @property
    def eval_running(self) -> str:
        """List of the one eval request being run: moved back to the queue if its runner dies."""
        return f"{self.prefix}:evals:running"

    @property
    def eval_lease(self) -> str:
        """Lease of the one API process that runs eval requests (one run at a time, all processes)."""
        return f"{self.prefix}:evals:lease"

    def eval_request(self, run_id: str) -> str:
        """Hash of one eval run request: suites, filter, who asked, status, times, exit code."""
        return f"{self.prefix}:evals:request:{run_id}"

    @property
    def eval_requests(self) -> str:
        """Sorted set of the eval run requests by the time they were made (the page's list)."""
        return f"{self.prefix}:evals:requests"

    @property
    def playground_drafts(self) -> str:
        """Hash of the playground's drafts: "prompt:<file stem>" or "tool:<name>" → JSON {text, by, at}
        (hudhud/drafts.py); prompt and tool wording only, nothing a user wrote."""
        return f"{self.prefix}:playground:drafts"

    @property
    def admin_audit(self) -> str:
        """Capped stream of what admins did and which users' pages they opened."""
        return f"{self.prefix}:admin:audit"
