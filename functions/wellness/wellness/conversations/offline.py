"""The offline generator (issue 11 item 5): without an API key conversations and journals are still
written, from templates and the same inputs as the prompt (participants, personalities, usage,
patterns, type and mood), marked ``"provider": "offline"``. Deterministic for one seed (the row's
id), so a retried job writes the same text. Its answer goes through the same check as a model's
(``output.parse``)."""

from __future__ import annotations

import json
import random
from typing import Any

from wellness.conversations.prompt import notable_events

OPENERS = {
    "humorous": "Okay, who had the most fun today?", "supportive": "Hey, today counted. Let's look at it kindly.",
    "dramatic": "Gather round. Today was... a saga.", "sarcastic": "Oh great, another day of us being poked.",
    "wholesome": "What a day we all had together.", "philosophical": "Is a minute on a screen a minute lived?",
    "chaotic": "WAIT who opened me at 3am??", "motivational": "New day, new chances. Let's go!",
    "concerned": "Can we talk about today for a second?", "celebratory": "Confetti! We have things to celebrate!",
}
DEVICE_LINES = [
    "I was picked up {unlocks} times. {minutes} minutes on screen. I need a nap.",
    "Our human spent {minutes} minutes with us today. {app} got most of it.",
    "{unlocks} unlocks. I counted every single one.",
    "Maybe tomorrow we try a walk without me? I can wait in the pocket.",
]
APP_LINES = [
    "I got {app_minutes} minutes today. Not bad, not bad at all.",
    "Was I opened too much? Maybe. Sorry not sorry.",
    "I'll stay quiet tonight so everyone gets some rest.",
    "Next time, open me on purpose, not out of habit.",
]


def _figures(context: dict[str, Any]) -> dict[str, Any]:
    usage = context.get("usage") or {}
    apps = usage.get("top_apps") or []
    return {"minutes": int(usage.get("screen_time_minutes") or 0), "unlocks": int(usage.get("unlocks") or 0),
            "app": apps[0]["name"] if apps else "nobody", "apps": {a.get("key"): a for a in apps}}


def generate(context: dict[str, Any], seed: str) -> str:
    """The answer as the model would give it: a JSON string of ``{"title", "turns"}`` or
    ``{"title", "entry"}``."""
    rng = random.Random(seed)
    f = _figures(context)
    events = notable_events(context)
    if context["kind"] == "journal":
        subject = context["subject"]
        lines = [f"Dear diary, today was {context['for_date']}.",
                 f"{f['minutes']} minutes of screen time and {f['unlocks']} unlocks across the devices."]
        if subject["kind"] == "app":
            own = f["apps"].get(subject.get("key")) or {}
            lines.append(f"I was used for {own.get('minutes') or 0} minutes.")
        lines += [f"Worth noting: {e}." for e in events[:3]]
        lines.append("Tomorrow I hope we share fewer but better moments.")
        return json.dumps({"title": f"Journal of {context['for_date']}", "entry": " ".join(lines)})
    mood = context.get("mood") or "humorous"
    turns = []
    cast = context["participants"]
    for i in range(max(6, 2 * len(cast))):
        p = cast[i % len(cast)]
        if i == 0:
            text = OPENERS.get(mood, OPENERS["humorous"])
        elif events and i == 1:
            text = f"Fun fact: {events[0]}."
        else:
            template = rng.choice(DEVICE_LINES if p["kind"] == "device" else APP_LINES)
            own = f["apps"].get(p.get("key")) or {}
            text = template.format(unlocks=f["unlocks"], minutes=f["minutes"], app=f["app"],
                                   app_minutes=own.get("minutes") or 0)
        turns.append({"speaker": {"kind": p["kind"], "id": str(p["id"])}, "text": text})
        if i >= 11:
            break
    title = str(context.get("conversation_type") or "conversation").replace("_", " ").capitalize()
    return json.dumps({"title": title, "turns": turns})
