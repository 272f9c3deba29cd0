"""How a learner's server starts: ``local`` (a process on this machine) and ``docker`` (a
container per learner, DockerSpawner)."""
