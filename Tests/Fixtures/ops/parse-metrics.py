#!/usr/bin/env python3
"""Parses Prometheus text exposition on stdin with the reference Python parser
(prometheus-client) and prints every sample as JSON: [{"name", "labels", "value"}, …],
plus each family's type: {"types": {name: type}, "samples": […]}. Fails on text the
parser rejects."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

types, samples = {}, []
for family in text_string_to_metric_families(sys.stdin.read()):
    types[family.name] = family.type
    for sample in family.samples:
        samples.append({"name": sample.name, "labels": sample.labels, "value": sample.value})
print(json.dumps({"types": types, "samples": samples}))
