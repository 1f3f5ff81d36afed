"""One router per resource: audits (``/v1/audits``), health (``/healthz``, ``/readyz``, ``/metrics``), docs."""
