"""The web application of ``briefing serve``: archive, sign-up, confirmation, unsubscribe.

``app`` holds the routes and what each answers, ``archive`` serves
``output.dir``, ``confirmation`` mails the double opt-in link, ``ratelimit``
limits sign-ups per client, ``server`` runs it all under uvicorn. The rules
about who is subscribed live in ``briefing.subscribers``, the signed links
in ``briefing.tokens``.
"""
