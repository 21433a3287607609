"""The `psp` use case: PodSecurityPolicy admission and drift, offline and against a cluster."""
