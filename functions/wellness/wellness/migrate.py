"""The wellness migration function (custom resource on deploy): platform + wellness migrations."""

from backlot.migrate_handler import make_handler

handler = make_handler("wellness")
