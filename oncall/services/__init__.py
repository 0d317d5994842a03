"""Every write in on-call goes through these functions (split by sub-domain)."""

from oncall.services.defaults import defaults_ensure_oncall
from oncall.services.delivery import page_deliver, page_record_result, pages_enqueue_due, pages_sync
from oncall.services.escalation import (
    escalation_ack_timeout,
    escalation_escalate_now,
    escalation_reassign,
    escalation_remind,
    escalation_start,
    escalation_step,
    escalation_stop,
    escalation_tick,
    page_extra_responder,
    policy_for_incident,
    policy_snapshot,
)
from oncall.services.rules import notification_rules_ensure_defaults, notification_rules_for
from oncall.services.schedules import calendar_token_ensure, override_create

__all__ = [
    "calendar_token_ensure",
    "defaults_ensure_oncall",
    "escalation_ack_timeout",
    "escalation_escalate_now",
    "escalation_reassign",
    "escalation_remind",
    "escalation_start",
    "escalation_step",
    "escalation_stop",
    "escalation_tick",
    "notification_rules_ensure_defaults",
    "notification_rules_for",
    "override_create",
    "page_deliver",
    "page_extra_responder",
    "page_record_result",
    "pages_enqueue_due",
    "pages_sync",
    "policy_for_incident",
    "policy_snapshot",
]
