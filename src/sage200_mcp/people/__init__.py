"""Each person on a team server: their Sage tokens from the team store, their selected company,
their toolsets, and an audit row for each of their calls.

``teamserver/`` says who is calling (it signs people in and guards the endpoint); this room
turns that person into the ``AppState`` their tool call runs with (``People.call``), so the
tools read the caller's books exactly as they read one person's on a desktop.
"""
