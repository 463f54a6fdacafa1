"""Every Redis key the pipeline uses, in one place, under one prefix."""

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
        """Capped stream of finished turns (for the dashboard and operators)."""
        return f"{self.prefix}:turns"

    @property
    def stats(self) -> str:
        """Hash of counters (statuses by kind, delivery errors by code...)."""
        return f"{self.prefix}:stats"

    @property
    def sentinel(self) -> str:
        """Written when the service starts; missing while it runs means Redis lost its data."""
        return f"{self.prefix}:sentinel"

    group: str = "workers"

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

    def history_profiles(self, wa_id: str) -> str:
        """Set of the profiles holding history for a user, so forget and export need no SCAN."""
        return f"{self.prefix}:histidx:{wa_id}"
