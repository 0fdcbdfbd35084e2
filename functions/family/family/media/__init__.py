"""Family media: the media processor's use case (``family.media.service``), videos
(``family.media.video``) and where the objects live (``family.media.keys``). Photos go through
the platform's image pipeline, :mod:`backlot.images`.

This package ``__init__`` deliberately imports nothing, so that importing
``family.media.<something>`` does not pull Pillow into a handler that does not
need it (Lambda cold starts).
"""
