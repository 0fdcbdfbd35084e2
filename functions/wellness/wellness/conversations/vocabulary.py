"""The conversation types and moods (design document 001, "Conversations App": "11 conversation
types (daily_recap, usage_intervention, app_drama, etc.)", "10 mood options (humorous, supportive,
dramatic, etc.)"). The document names three of each; the other names are ours, chosen to match the
patterns the analytics detect and the issue's ``friend_visit``."""

from __future__ import annotations

from enum import StrEnum


class ConversationType(StrEnum):
    """What a conversation is about (11)."""

    daily_recap = "daily_recap"
    usage_intervention = "usage_intervention"
    app_drama = "app_drama"
    morning_briefing = "morning_briefing"
    bedtime_wind_down = "bedtime_wind_down"
    goal_celebration = "goal_celebration"
    pattern_alert = "pattern_alert"
    notification_overload = "notification_overload"
    focus_check = "focus_check"
    weekend_review = "weekend_review"
    friend_visit = "friend_visit"


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
    ("night_owl", ConversationType.bedtime_wind_down, Mood.supportive),
    ("notification_addiction", ConversationType.notification_overload, Mood.sarcastic),
    ("phantom_vibration", ConversationType.notification_overload, Mood.humorous),
    ("app_switching", ConversationType.focus_check, Mood.chaotic),
    ("distracted", ConversationType.focus_check, Mood.motivational),
    ("weekend_warrior", ConversationType.weekend_review, Mood.humorous),
    ("morning_person", ConversationType.morning_briefing, Mood.wholesome),
]


def nightly_choice(active_patterns: list[str]) -> tuple[ConversationType, Mood]:
    """The 06:00 conversation's type and mood for a user with these active pattern types: the first
    rule of :data:`TYPE_FOR_PATTERN` that matches, else a humorous daily recap."""
    present = set(active_patterns)
    for pattern, kind, mood in TYPE_FOR_PATTERN:
        if pattern in present:
            return kind, mood
    return ConversationType.daily_recap, Mood.humorous
