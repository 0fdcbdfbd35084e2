"""The music migration function (custom resource on deploy): platform + music migrations."""

from backlot.migrate_handler import make_handler

handler = make_handler("music")
