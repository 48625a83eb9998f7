#!/usr/bin/env python3
"""Validates JSON samples against schemas inside an OpenAPI 3.0 document.

stdin:  {"document": "<path of openapi.json>",
         "samples": [{"name": "...", "pointer": "/paths/~1health/get/responses/200", "instance": {...}}]}
        `pointer` names a response object (its `application/json` schema is used, `$ref`s
        followed) or a schema.
stdout: {"results": [{"name": "...", "errors": ["...", ...]}]}  (an empty list: valid)

Two checks per sample: the schema itself (openapi-schema-validator, OAS 3.0 read context:
types, `required`, `nullable`, enums, patterns, ranges), and that every key of every object
in the sample is declared by its schema (the DTO has no field the document does not list).
"""
import json
import sys

from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DOCUMENT_URI = "urn:panda:openapi"


def pointer_parts(pointer):
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/") if part != ""]


def resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        node = at(document, node["$ref"][1:])
    return node


def at(document, pointer):
    node = document
    for part in pointer_parts(pointer):
        node = resolve(document, node)
        node = node[part]
    return node


def schema_pointer(document, pointer):
    """The pointer of the schema to validate against: a response's JSON schema, or the schema itself."""
    node = at(document, pointer)
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"][1:]
        node = at(document, pointer)
    if "content" in node:
        return pointer + "/content/application~1json/schema"
    return pointer


def declared_keys(document, schema):
    """Property names the schema declares (through $ref, allOf, oneOf, anyOf); None: anything goes."""
    schema = resolve(document, schema)
    if not isinstance(schema, dict):
        return None
    if schema.get("additionalProperties") not in (None, False):
        return None
    names, composed = set(schema.get("properties", {})), False
    for keyword in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(keyword, []):
            composed = True
            branch_names = declared_keys(document, branch)
            if branch_names is None:
                return None
            names |= branch_names
    if not names and not composed and "properties" not in schema:
        return None  # a free-form object
    return names


def property_schemas(document, schema, name):
    schema = resolve(document, schema)
    found = []
    if isinstance(schema, dict):
        if name in schema.get("properties", {}):
            found.append(schema["properties"][name])
        for keyword in ("allOf", "oneOf", "anyOf"):
            for branch in schema.get(keyword, []):
                found += property_schemas(document, branch, name)
    return found


def item_schemas(document, schema):
    schema = resolve(document, schema)
    found = []
    if isinstance(schema, dict):
        if "items" in schema:
            found.append(schema["items"])
        for keyword in ("allOf", "oneOf", "anyOf"):
            for branch in schema.get(keyword, []):
                found += item_schemas(document, branch)
    return found


def undeclared(document, schema, instance, path):
    errors = []
    if isinstance(instance, dict):
        names = declared_keys(document, schema)
        if names is not None:
            errors += [f"{path}/{key}: not declared by the schema" for key in instance if key not in names]
        for key, value in instance.items():
            for sub in property_schemas(document, schema, key):
                errors += undeclared(document, sub, value, f"{path}/{key}")
    elif isinstance(instance, list):
        for sub in item_schemas(document, schema):
            for index, value in enumerate(instance):
                errors += undeclared(document, sub, value, f"{path}/{index}")
    return errors


def main():
    request = json.load(sys.stdin)
    with open(request["document"], encoding="utf-8") as file:
        document = json.load(file)
    registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT4))
    results = []
    for sample in request["samples"]:
        try:
            pointer = schema_pointer(document, sample["pointer"])
            schema = at(document, pointer)
            validator = OAS30ReadValidator({"$ref": DOCUMENT_URI + "#" + pointer}, registry=registry)
            errors = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                      for e in validator.iter_errors(sample["instance"])]
            errors += undeclared(document, schema, sample["instance"], "")
        except (KeyError, IndexError, TypeError) as problem:
            errors = [f"no schema at {sample['pointer']}: {problem!r}"]
        results.append({"name": sample["name"], "errors": errors})
    json.dump({"results": results}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
