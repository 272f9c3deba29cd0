"""Learners kept apart on one machine: ``accounts`` (a system account each), ``sandbox`` (private
namespaces), ``cgroups`` (memory, CPU, processes), ``home_disks`` (size-limited homes),
``sockets`` (who owns which port). Standard library only: the sandbox imports it as root."""
