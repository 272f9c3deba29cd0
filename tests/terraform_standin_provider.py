"""A schema-only Terraform provider: serves a ``providers schema -json`` document, nothing else.

Run by Terraform through a ``dev_overrides`` entry (see ``tests/terraform_standin.py``), in a
virtual environment with the PyPI ``tf`` framework (which speaks the plugin protocol)::

    python terraform_standin_provider.py SCHEMA.json hashicorp/aws

Enough for ``terraform validate`` and for ``terraform test`` with ``mock_provider`` (Terraform
checks every argument against the schema itself). Reading a data source returns its
configuration with computed attributes unknown; creating or changing a resource is refused:
nothing here can reach a cloud.
"""

from __future__ import annotations

import json
import sys

from tf import runner
from tf.blocks import SetNestedBlock
from tf.gen import tfplugin_pb2 as pb
from tf.iface import DataSource, Provider, Resource
from tf.schema import Attribute, Block, Schema
from tf.types import TfType, Unknown


class CtyType(TfType):
    """Any cty type, given in Terraform's JSON notation (``"string"``, ``["list", "string"]``,
    ``["object", {...}]``); values pass through unchanged."""

    def __init__(self, spec):
        self.spec = spec

    def encode(self, value):
        return value

    def decode(self, value):
        return value

    def tf_type(self) -> bytes:
        return json.dumps(self.spec).encode()


class ListNestedBlock(SetNestedBlock):
    """A nested block in list mode (the ``tf`` framework itself offers set and single)."""

    def __init__(self, type_name, block, min_items=None, max_items=None):
        super().__init__(type_name, block)
        self.min_items, self.max_items = min_items, max_items

    def to_pb(self):
        out = super().to_pb()
        out.nesting = pb.Schema.NestedBlock.NestingMode.LIST
        return out


def build_block(spec: dict) -> tuple[list[Attribute], list[ListNestedBlock]]:
    attributes = [
        Attribute(
            name,
            CtyType(a["type"]),
            required=a.get("required", False),
            optional=a.get("optional", False),
            computed=a.get("computed", False),
            sensitive=a.get("sensitive", False),
        )
        for name, a in sorted(spec.get("attributes", {}).items())
    ]
    blocks = []
    for name, b in sorted(spec.get("block_types", {}).items()):
        attrs, nested = build_block(b["block"])
        blocks.append(
            ListNestedBlock(name, Block(attrs, nested), b.get("min_items"), b.get("max_items"))
        )
    return attributes, blocks


def schema_of(spec: dict) -> Schema:
    attrs, blocks = build_block(spec["block"])
    return Schema(attributes=attrs, block_types=blocks, version=spec.get("version", 0))


def _fill_unknown(spec: dict, config: dict) -> dict:
    state = dict(config or {})
    for name, a in spec["block"].get("attributes", {}).items():
        if a.get("computed") and state.get(name) is None:
            state[name] = Unknown
    return state


def make_types(kind: str, schemas: dict, prefix: str) -> list[type]:
    made = []
    for type_name, spec in schemas.items():
        short = type_name[len(prefix) :]
        if kind == "data":

            def read(self, ctx, config, _spec=spec):
                return _fill_unknown(_spec, config)

            body = {"read": read}
            base = DataSource
        else:

            def refuse(self, ctx, *args, _name=type_name):
                ctx.diagnostics.add_error(
                    f"{_name}: this is a schema-only stand-in provider",
                    "It validates configurations; use mock_provider in terraform test to plan.",
                )

            body = {"create": refuse, "update": refuse, "delete": refuse, "read": refuse}
            base = Resource
        body["get_name"] = classmethod(lambda cls, _s=short: _s)
        body["get_schema"] = classmethod(lambda cls, _spec=spec: schema_of(_spec))
        body["__init__"] = lambda self, provider: None
        made.append(type(f"Standin_{type_name}", (base,), body))
    return made


class StandinProvider(Provider):
    def __init__(self, schema: dict, source: str):
        self.schema = schema
        self.source = source
        self.prefix = source.rsplit("/", 1)[1] + "_"
        self.resources = make_types("resource", schema["resource_schemas"], self.prefix)
        self.data_sources = make_types("data", schema["data_source_schemas"], self.prefix)

    def get_model_prefix(self) -> str:
        return self.prefix

    def full_name(self) -> str:
        return f"registry.terraform.io/{self.source}"

    def get_provider_schema(self, diags) -> Schema:
        return schema_of(self.schema["provider"] or {"block": {}})

    def validate_config(self, diags, config) -> None:
        pass

    def configure_provider(self, diags, config) -> None:
        pass

    def get_data_sources(self):
        return self.data_sources

    def get_resources(self):
        return self.resources


def main(argv: list[str]) -> None:
    schema_path, source = argv[1], argv[2]
    with open(schema_path, encoding="utf-8") as fh:
        schema = json.load(fh)
    runner.run_provider(StandinProvider(schema, source), argv[3:] or [argv[0]])


if __name__ == "__main__":
    main(sys.argv)
