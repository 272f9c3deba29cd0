"""The ``workshop`` command: ``main`` (up, down, status, warm, roster, settings, password),
``doctor`` and ``doctor_docker`` (pre-flight checks, reported as ``checks.Step``), ``image``
(build and publish), ``usage`` (status figures), ``classroom`` (announce, push, collect), ``data``
(the shared data sets)."""
