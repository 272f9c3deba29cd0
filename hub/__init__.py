"""The workshop JupyterHub: one settings object, a roster of attendees, shared-password login,
a local-process or Docker spawner, and the ``workshop`` command that runs it all.

Modules: ``settings`` (every hub setting, and its renderings for JupyterHub, the z2jh chart and
Terraform), ``roster`` (attendee names -> ``lastname_firstname`` usernames), ``credentials``
(generated passwords and tokens, mode 0600), ``auth`` (login rules and rate limits),
``local_spawner`` (per-user homes with the tutorial notebooks), ``hub_config`` (settings ->
JupyterHub config), ``caddy`` (the HTTPS front), ``cli`` and ``doctor``; ``z2jh`` (chart values
and the passwords' Secret), ``image_cli`` (``workshop image``), ``cloud_eks`` (``workshop cloud
--target eks``).
"""
