"""Shapes shared by the wellness areas: the personalities and platforms (design document 001,
"Personality System"), as enumerations the OpenAPI document lists."""

from __future__ import annotations

from enum import StrEnum


class DevicePersonality(StrEnum):
    """The 12 device personalities of document 001 ("12 Device Personalities")."""

    snarky = "snarky"
    logical = "logical"
    chaotic = "chaotic"
    supportive = "supportive"
    dramatic = "dramatic"
    minimalist = "minimalist"
    anxious = "anxious"
    boomer = "boomer"
    gen_z = "gen_z"
    philosophical = "philosophical"
    gossip = "gossip"
    corporate = "corporate"


class AppPersonality(StrEnum):
    """The 16 app personalities of document 001 ("16 App Personalities")."""

    attention_seeking = "attention_seeking"
    addictive = "addictive"
    productive = "productive"
    time_waster = "time_waster"
    educational = "educational"
    social_butterfly = "social_butterfly"
    introvert = "introvert"
    dramatic = "dramatic"
    zen = "zen"
    competitive = "competitive"
    helpful = "helpful"
    annoying = "annoying"
    needy = "needy"
    chill = "chill"
    toxic = "toxic"
    wholesome = "wholesome"


class Platform(StrEnum):
    """A device's operating system (the document filters devices by platform; names are ours)."""

    android = "android"
    ios = "ios"
    ipados = "ipados"
    windows = "windows"
    macos = "macos"
    linux = "linux"
    other = "other"
