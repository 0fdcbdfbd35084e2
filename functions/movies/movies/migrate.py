"""The movies migration function (custom resource on deploy): platform + movies migrations."""

from backlot.migrate_handler import make_handler

handler = make_handler("movies")
