"""Learners kept apart on one machine: ``accounts`` (a system account each), ``sandbox`` (private
namespaces and a file-system view of their own), ``netns`` (a network namespace each, nftables
rules), ``cgroups`` (memory, CPU, processes), ``home_disks`` (size-limited homes), ``sockets``
(who owns which port), ``enforced`` (what this machine enforces, in words: the one source of every
message about it). Standard library only: the sandbox imports it as root."""
