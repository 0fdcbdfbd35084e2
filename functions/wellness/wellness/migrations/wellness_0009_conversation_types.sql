-- The conversation types of design document 001, "Conversation Types (11 Options)": migration 0004
-- allowed eight names of our own instead of eight of the document's. Rows already written under
-- one of ours take the document's nearest type; then the CHECK allows exactly the document's 11.
-- depends: wellness_0005_social

ALTER TABLE wellness.conversations DROP CONSTRAINT conversations_conversation_type_check;

UPDATE wellness.conversations SET conversation_type = CASE conversation_type
        WHEN 'morning_briefing' THEN 'daily_recap'
        WHEN 'weekend_review' THEN 'daily_recap'
        WHEN 'bedtime_wind_down' THEN 'pattern_discussion'
        WHEN 'pattern_alert' THEN 'pattern_discussion'
        WHEN 'goal_celebration' THEN 'milestone_celebration'
        WHEN 'notification_overload' THEN 'emergency_meeting'
        WHEN 'focus_check' THEN 'productivity_roast'
    END
WHERE conversation_type IN ('morning_briefing', 'weekend_review', 'bedtime_wind_down', 'pattern_alert',
                            'goal_celebration', 'notification_overload', 'focus_check');

ALTER TABLE wellness.conversations ADD CONSTRAINT conversations_conversation_type_check
    CHECK (conversation_type IN ('daily_recap', 'usage_intervention', 'pattern_discussion', 'goal_check_in',
                                 'app_drama', 'device_gossip', 'productivity_roast', 'social_comparison',
                                 'milestone_celebration', 'friend_visit', 'emergency_meeting'));
