"""The family migration function (custom resource on deploy): platform + family migrations."""

from backlot.migrate_handler import make_handler

handler = make_handler("family")
