"""The workshop JupyterHub itself: settings, roster, login, credentials and its configuration.

Here: ``settings`` (every hub setting, the one place that decides each value), ``roster``
(attendee names -> ``lastname_firstname`` usernames, the login rules), ``credentials``
(generated passwords and tokens, mode 0600), ``auth`` and ``client_address`` (login and its
rate limits, by the address the proxy saw), ``hub_config`` / ``jupyterhub_config`` (settings ->
the JupyterHub configuration), ``capacity`` (how many learners a machine holds), ``address``
(the handout URL), ``image`` (the learners' container image: name, tag, build), ``seed`` (the
notebooks copied into a home), ``homes`` (a removed learner's files), ``caddy`` (the HTTPS
front), ``process`` / ``die_with_parent`` (running and supervising the hub), ``client`` (its
REST API), ``invocation`` (commands spelled as typed), ``paths`` (the checkout), ``warm`` (servers started
before the class), ``shared_data`` (the instructor's read-only data sets).

Packages, by concern: ``spawners`` (how a learner's server starts), ``isolation`` (learners
kept apart on one machine), ``cli`` (the ``workshop`` command), ``classroom`` (the instructor's view of
the room: board, help queue, announcements, push and collect), ``cloud`` (the hub on AWS and
Kubernetes).
"""
