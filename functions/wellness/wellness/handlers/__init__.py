"""Entry modules of the wellness HTTP functions, one per function (``<logical id without
``Function``, snake_case>.py``), each holding only its own route (see ``backlot.http.ProductApi``)."""
