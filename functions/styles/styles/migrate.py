"""The styles migration function (custom resource on deploy): platform + styles migrations."""

from backlot.migrate_handler import make_handler

handler = make_handler("styles")
