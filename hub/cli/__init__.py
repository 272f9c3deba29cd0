"""The ``workshop`` command: ``main`` (up, down, status, roster, settings), ``doctor`` and
``doctor_docker`` (pre-flight checks), ``image`` (build and publish), ``usage`` (status figures)."""
