"""What the simulated support floor sees: weights and shares, one place to tune the mix.

Weights are relative (``random.choices``); shares are probabilities. The survey figures follow
the customer-service articles the KPIs come from: e-mail is the most used method and reaches
up to a 40 % answer rate, in-app surveys are answered within a couple of hours.
"""

from __future__ import annotations

CHANNELS = {"email": 40, "chat": 25, "web": 15, "phone": 10, "social": 5, "in_app": 5}
PRIORITIES = {"low": 20, "normal": 55, "high": 20, "urgent": 5}
#: mean minutes of agent work before the first reply, per channel
FIRST_REPLY_MIN = {"email": 25, "chat": 2, "web": 20, "phone": 1, "social": 15, "in_app": 10}
PRIORITY_SPEEDUP = {"low": 0.6, "normal": 1.0, "high": 1.8, "urgent": 4.0}

CATEGORIES = {
    "technical_fault": 30,
    "payment": 22,
    "product_quality": 16,
    "delivery": 14,
    "account": 12,
    "general": 6,
}
TEAMS = ("billing", "tech", "accounts", "enterprise")
#: the team a category is routed to; the rest of the tickets land on any team
CATEGORY_TEAM = {
    "technical_fault": "tech",
    "payment": "billing",
    "product_quality": "tech",
    "delivery": "accounts",
    "account": "accounts",
    "general": "accounts",
}
ROUTED_SHARE = 0.8
TRANSFER_SHARE = 0.05  # tickets handed to another team before the first reply
CONTAINED_SHARE = 0.08  # tickets a bot answers and resolves with no human reply (contained)
RECATEGORISED_SHARE = 0.03  # tickets whose category the first reply corrects

#: tickets from a customer with another ticket in the last REPEAT_WITHIN_DAYS (the rest: new)
REPEAT_SHARE = 0.07
REPEAT_WITHIN_DAYS = 6  # inside the 7-day repeat horizon, whatever the rounding
SAME_PROBLEM_SHARE = 0.6  # repeat contacts about the category of the earlier ticket

SURVEYS = {"csat": 60, "nps": 25, "ces": 15}
CSAT_MIX = {5: 55, 4: 20, 3: 10, 2: 7, 1: 8}
NPS_MIX = {10: 25, 9: 20, 8: 15, 7: 10, 6: 8, 5: 7, 4: 4, 3: 4, 2: 3, 1: 2, 0: 2}
CES_MIX = {1: 5, 2: 8, 3: 10, 4: 15, 5: 25, 6: 22, 7: 15}
SCORE_MIX = {"csat": CSAT_MIX, "nps": NPS_MIX, "ces": CES_MIX}
SURVEY_SENT_SHARE = 0.8  # resolved tickets that get a survey-sent
UNANNOUNCED_SHARE = 0.6  # of the others: answered through a survey no send announced
METHOD_ON_ANSWER_SHARE = 0.5  # answers that name their method (the rest rely on the send)
SURVEY_METHODS = {
    "email": 50,
    "in_app": 18,
    "sms": 12,
    "web": 9,
    "chat": 6,
    "phone": 3,
    "social": 2,
}
#: share of sends that are ever answered, per method
RESPONSE_RATE = {
    "email": 0.35,
    "in_app": 0.55,
    "sms": 0.3,
    "web": 0.3,
    "chat": 0.45,
    "phone": 0.6,
    "social": 0.15,
}
#: mean minutes from the resolution to the send, and from the send to the answer
SEND_DELAY_MIN = {
    "email": 120,
    "in_app": 1,
    "sms": 30,
    "web": 10,
    "chat": 1,
    "phone": 15,
    "social": 60,
}
ANSWER_DELAY_MIN = {
    "email": 240,
    "in_app": 20,
    "sms": 45,
    "web": 90,
    "chat": 10,
    "phone": 5,
    "social": 180,
}
