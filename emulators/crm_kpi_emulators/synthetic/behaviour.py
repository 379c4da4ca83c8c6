"""How the simulated sales people and customers behave: every probability in one place."""

from __future__ import annotations

from .model import CallStatus

# New deals: share of the weekday rate on Saturday and Sunday (Sunday: web forms only).
SATURDAY_DEAL_SHARE = 0.35
SUNDAY_DEAL_SHARE = 0.18
WEB_FORM_HOURS = (8, 22)  # web forms arrive outside office hours too (local time)

DEAL_AMOUNT_MEDIAN = {"main": 90_000, "other": 40_000}  # RUB, log-normal
DEAL_AMOUNT_SIGMA = 0.8
EXISTING_CONTACT_SHARE = 0.15  # new deal for a returning customer
NEW_COMPANY_SHARE = 0.4  # a new customer comes with an organisation
SECOND_CONTACT_SHARE = 0.1  # deals of an organisation with a second contact person
CONTACT_WITHOUT_EMAIL = 0.2
COMPANY_WITHOUT_PHONE = 0.4
MAIN_PIPELINE_SHARE = 0.8
CONTACT_POOL_SIZE = 3000  # returning customers are drawn from the latest contacts

# Outbound call outcomes (weights) and inbound ones.
OUTBOUND_CALL_MIX = (
    (CallStatus.CONVERSATION, 0.5),
    (CallStatus.NO_ANSWER, 0.22),
    (CallStatus.BUSY, 0.08),
    (CallStatus.CALL_BACK_LATER, 0.08),
    (CallStatus.LEFT_MESSAGE, 0.06),
    (CallStatus.NOT_AVAILABLE, 0.04),
    (CallStatus.WRONG_NUMBER, 0.02),
)
INBOUND_ANSWERED_SHARE = 0.8
CONVERSATION_SECONDS = (35, 1800)  # clamp of a log-normal with median ~3 min
CONVERSATION_MEDIAN_S = 180
SHORT_CALL_SECONDS = {CallStatus.CALL_BACK_LATER: (15, 60), CallStatus.LEFT_MESSAGE: (20, 70)}

# What follows a touch.
NOTE_AFTER_CONVERSATION = 0.3
EMAIL_AFTER_MISSED_CALL = 0.2
SAME_DAY_CALLBACK = 0.35
GIVE_UP_AFTER_UNANSWERED = 5  # outbound calls in a row without an answer, then lost
INBOUND_CALL_BETWEEN_TOUCHES = 0.12
INBOUND_EMAIL_BETWEEN_TOUCHES = 0.05
SPAM_SHARE = 0.03  # junk web leads deleted at the first touch

# Follow-up task fate: on time, late (1-3 working days), never completed (left overdue).
TASK_ON_TIME = 0.82
TASK_LATE = 0.11

# Meetings: held and closed on time, held but closed late, not held (left open).
MEETING_ON_TIME = 0.72
MEETING_LATE = 0.1
MEETING_ADVANCE = 0.7  # after a held meeting: move to the proposal stage
MEETING_LOST = 0.1

PROPOSAL_REPLY = 0.55  # the client answers the proposal e-mail
PRICE_CHANGE = 0.35  # the amount is renegotiated when entering these stages
PRICE_CHANGE_STAGES = ("PROPOSAL", "NEGOTIATION")

# On a conversation, per stage code: (advance, lose, move back). Won when advancing from the
# last open stage.
STAGE_ODDS = {
    "NEW": (0.9, 0.05, 0.0),
    "QUALIFICATION": (0.5, 0.12, 0.0),
    "NEEDS": (0.45, 0.08, 0.02),
    "MEETING": (0.12, 0.06, 0.03),
    "PROPOSAL": (0.3, 0.1, 0.04),
    "NEGOTIATION": (0.35, 0.09, 0.05),
    "CONTRACT": (0.45, 0.05, 0.05),
    "INVOICE": (0.5, 0.06, 0.03),
}
REOPENED_WIN = 0.85
PIPELINE_MOVE = 0.04  # small pipeline, negotiation: moved to the main pipeline's proposal

# After closing: reopen, reassign, delete (and restore) with these odds.
WON_REOPEN, LOST_REOPEN = 0.04, 0.01
REASSIGN_AFTER_CLOSE = 0.03
WON_DELETE, LOST_DELETE, JUNK_DELETE = 0.004, 0.02, 0.25
RESTORE_AFTER_DELETE = 0.3
REASSIGN_OPEN = 0.07  # open deals handed over to a colleague at some point
REASSIGN_BY_HEAD = 0.6  # the head of sales does it (else the manager hands over)

# Customers who call or write without an open deal, per weekday deal.
CONTACT_ACTIVITY_PER_DEAL = 0.12
CONTACT_ACTIVITY_EMAIL = 0.3
CONTACT_ACTIVITY_OUTBOUND = 0.4

# Loss reasons by how far the deal got: early stages, late stages.
EARLY_LOSS_REASONS = (
    ("Нецелевая заявка", 3),
    ("Нет бюджета", 3),
    ("Пропала потребность", 3),
    ("Не выходит на связь", 2),
)
LATE_LOSS_REASONS = (
    ("Дорого", 4),
    ("Выбрали конкурента", 4),
    ("Не устроили сроки", 2),
    ("Пропала потребность", 1),
    ("Нет бюджета", 1),
)
SKILL_RANGE = (0.75, 1.25)  # managers differ: multiplies advance, divides lose odds

# Win chances beyond the stage, so that a win model has something to learn (as in real sales:
# warm sources, interested clients, fast responses and fresh deals close more often). Each
# multiplies the advance odds of a conversation and divides its lose odds. Guesses, not
# measurements of any real company.
SOURCE_WARMTH = {
    "referral": 1.4,
    "exhibition": 1.15,
    "seo": 1.0,
    "google": 0.9,
    "yandex_direct": 0.85,
    "cold_call": 0.7,
}
# The client's own interest, fixed per deal: also scales how often they call or write.
INTEREST_RANGE = (0.6, 1.4)
# A first conversation later than this after the deal was created finds a cooler lead.
SLOW_RESPONSE_HOURS = 4
SLOW_RESPONSE_WARMTH = 0.55
# Deals older than this cool down by this factor per further 30 days.
STALE_AFTER_DAYS = 60
STALE_WARMTH_PER_30_DAYS = 0.9
