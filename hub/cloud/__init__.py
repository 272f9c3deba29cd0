"""The hub in the cloud: ``single_host`` (``workshop cloud`` on one AWS host) with ``aws``,
``terraform``, ``template`` (CloudFormation) and ``prices``; ``eks`` and ``z2jh`` (Kubernetes and
the chart values); ``agent`` (what runs on the cloud host)."""
