"""The GPU provider behind style training and image generation (issue 12 item 5).

``base`` is the interface the dispatchers and the reconcile job use, ``replicate`` the hosted
provider's adapter, ``signing`` the provider's webhook signatures, ``local_server`` the stand-in
``backlot dev`` starts (with ``render``, which draws its images). Nothing here imports another
product nor opens a database connection.
"""
