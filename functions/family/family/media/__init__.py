"""Family media: photo processing (``family.media.processing``) and its service.

This package ``__init__`` deliberately imports nothing, so that importing
``family.media.<something>`` does not pull Pillow into a handler that does not
need it (Lambda cold starts). Import the processing API from its module::

    from family.media.processing import MediaRejected, ProcessedImage, process_image
"""
