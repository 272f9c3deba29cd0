"""The instructor's side of the classroom: the board service (``board``: one row per attendee,
the help queue, the read-only look, editing together with consent) and what renders it into
each mode (``service``); announcements, pushed notebooks, collecting the room's work and a
learner's own download.

Board: ``rows`` (a learner's hub record and server state -> a board row; the room's summary),
``help_queue`` (who pressed "I'm stuck", taken and done), ``notebook_html`` (a saved notebook as
escaped HTML), ``access_log`` (every look and share, logged), ``room`` (polling the hub and each
running server), ``consent`` (edit-together requests and JupyterHub shares), ``board`` (the
tornado app behind hub OAuth), ``service`` (the JupyterHub service and roles from the settings).
The board process imports neither ``hub.settings`` nor ``tutorial_utils``: it runs in the hub's
environment (the chart's hub image too) and gets its figures on its command line.

A word and a fix for everyone: ``announce`` (the banner and its history), ``push`` (a notebook
beside each learner's copy), ``collect`` (the room's notebooks into one archive), ``delivery``
(what a server that starts later is owed), ``download`` (``my-work``: a learner's own zip),
``learner_servers`` (the notices route and the contents API of one learner's server),
``chart_hub`` (the banner, the home page's link and the delivery in the chart's hub, from its
extraConfig; ``my-work`` keeps announcements and pushes there, written with ``--hub-url``).
"""
