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
from oncall.services.policies import (
    level_add,
    level_delete,
    level_move,
    level_update,
    policy_create,
    policy_update,
    target_add,
    target_remove,
)
from oncall.services.rules import (
    notification_rule_create,
    notification_rule_delete,
    notification_rule_update,
    notification_rules_ensure_defaults,
    notification_rules_for,
    notification_rules_restore_defaults,
)
from oncall.services.schedules import (
    calendar_token_ensure,
    calendar_token_rotate,
    override_create,
    override_delete,
)

__all__ = [
    "calendar_token_ensure",
    "calendar_token_rotate",
    "defaults_ensure_oncall",
    "escalation_ack_timeout",
    "escalation_escalate_now",
    "escalation_reassign",
    "escalation_remind",
    "escalation_start",
    "escalation_step",
    "escalation_stop",
    "escalation_tick",
    "level_add",
    "level_delete",
    "level_move",
    "level_update",
    "notification_rule_create",
    "notification_rule_delete",
    "notification_rule_update",
    "notification_rules_ensure_defaults",
    "notification_rules_for",
    "notification_rules_restore_defaults",
    "override_create",
    "override_delete",
    "page_deliver",
    "page_extra_responder",
    "page_record_result",
    "pages_enqueue_due",
    "pages_sync",
    "policy_create",
    "policy_for_incident",
    "policy_snapshot",
    "policy_update",
    "target_add",
    "target_remove",
]
