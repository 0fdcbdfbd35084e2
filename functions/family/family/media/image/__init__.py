"""The parts of image processing, by concern; :mod:`family.media.processing` is the entry point
(:func:`~family.media.processing.process_image`) and re-exports the public names."""
