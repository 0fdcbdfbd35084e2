"""Styles part 2 (design document 004, M2-Tag-API, M5-Community-API, M5-Notification; issue 13):
tags and their autocomplete, the public feed of generated images, likes, comments, follows, the
notifications they send and the rate limits they obey."""
