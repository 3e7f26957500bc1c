"""A faithful local emulator of Sage ID and the Sage 200 API, with seeded books.

It plays Sage, so it imports nothing from the client side of this package (only Sage's own
OpenAPI files), and the server never imports it except for ``--demo``.
"""
