"""The conversation types and moods of design document 001.

Types: the document's "Conversation Types (11 Options)" list, all eleven by name (daily_recap ...
emergency_meeting). Moods: the document gives "10 mood options (humorous, supportive, dramatic,
etc.)" and names only those three; the other seven are ours. ``TYPE_BRIEFS`` says in one fixed line
what each type is about; it goes into the prompt's instruction (never user text).
"""

from __future__ import annotations

from enum import StrEnum


class ConversationType(StrEnum):
    """What a conversation is about: the 11 of design document 001, "Conversation Types (11 Options)"."""

    daily_recap = "daily_recap"
    usage_intervention = "usage_intervention"
    pattern_discussion = "pattern_discussion"
    goal_check_in = "goal_check_in"
    app_drama = "app_drama"
    device_gossip = "device_gossip"
    productivity_roast = "productivity_roast"
    social_comparison = "social_comparison"
    milestone_celebration = "milestone_celebration"
    friend_visit = "friend_visit"
    emergency_meeting = "emergency_meeting"


#: One fixed line per type for the prompt's instruction (our wording of the document's type names).
TYPE_BRIEFS: dict[ConversationType, str] = {
    ConversationType.daily_recap: "they look back together on the day's usage",
    ConversationType.usage_intervention: "they stage a kind intervention about too much screen time",
    ConversationType.pattern_discussion: "they discuss the usage patterns in DATA and what they mean",
    ConversationType.goal_check_in: "they check how the user is doing against their goals",
    ConversationType.app_drama: "the apps argue over who got the most attention",
    ConversationType.device_gossip: "the devices gossip about what the apps did today",
    ConversationType.productivity_roast: "they gently roast how productive the day really was",
    ConversationType.social_comparison: "they compare the day with a typical day, without shaming anyone",
    ConversationType.milestone_celebration: "they celebrate a milestone or a goal met",
    ConversationType.friend_visit: "a visiting friend's phone meets the user's devices",
    ConversationType.emergency_meeting: "the devices call an emergency meeting about an alarming habit",
}


class Mood(StrEnum):
    """The tone of a conversation (10)."""

    humorous = "humorous"
    supportive = "supportive"
    dramatic = "dramatic"
    sarcastic = "sarcastic"
    wholesome = "wholesome"
    philosophical = "philosophical"
    chaotic = "chaotic"
    motivational = "motivational"
    concerned = "concerned"
    celebratory = "celebratory"


#: The nightly conversation's type from the user's active patterns, first match wins (issue 11
#: item 3: "a doom-scrolling night leads to a usage intervention").
TYPE_FOR_PATTERN: list[tuple[str, ConversationType, Mood]] = [
    ("doom_scrolling", ConversationType.usage_intervention, Mood.concerned),
    ("binge_usage", ConversationType.usage_intervention, Mood.concerned),
    ("notification_addiction", ConversationType.emergency_meeting, Mood.dramatic),
    ("phantom_vibration", ConversationType.emergency_meeting, Mood.humorous),
    ("distracted", ConversationType.productivity_roast, Mood.sarcastic),
    ("app_switching", ConversationType.app_drama, Mood.chaotic),
    ("night_owl", ConversationType.pattern_discussion, Mood.supportive),
    ("weekend_warrior", ConversationType.pattern_discussion, Mood.humorous),
    ("morning_person", ConversationType.pattern_discussion, Mood.wholesome),
]


def nightly_choice(active_patterns: list[str]) -> tuple[ConversationType, Mood]:
    """The 06:00 conversation's type and mood for a user with these active pattern types: the first
    rule of :data:`TYPE_FOR_PATTERN` that matches, else a humorous daily recap."""
    present = set(active_patterns)
    for pattern, kind, mood in TYPE_FOR_PATTERN:
        if pattern in present:
            return kind, mood
    return ConversationType.daily_recap, Mood.humorous
