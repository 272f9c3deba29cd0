"""The one-click release: what the README's "Launch stack" link needs, built and checked.

A quick-create link works only if the template at its ``templateURL`` is the *rendered* one
(not the skeleton with its ``@@`` placeholders), readable by the launching account, its
``param_*`` are the template's parameters with values the template accepts, and the bundle the
template names (``BundleUrl``) is published, readable, and has the template's ``BundleSha256``.

    python -m hub.cloud.release build --out dist [--version 0.1.0]   # dry run: build and check
    python -m hub.cloud.release check --out dist [--bucket NAME]     # check what build wrote

``build`` writes ``dist/<key>`` for every artifact, at exactly the object keys of the public
release bucket, and ``dist/release.json`` (keys, URLs, SHA-256); the release workflow uploads
``dist/`` as is and then reads each URL back anonymously. Nothing here talks to AWS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from hub.paths import REPO_ROOT

#: the public bucket the README's links name (any public bucket works: change the links too)
RELEASE_BUCKET = "dragonn-workshop-releases"
LINK_DOCS = ("README.md", "terraform/cloudformation/README.md", "docs/instructor-runbook.md")


def project_version() -> str:
    with open(REPO_ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def release_keys(version: str) -> dict[str, str]:
    """Object keys of one release: ``template`` and ``bundle``."""
    return {
        "template": f"v{version}/single-host.yaml",
        "bundle": f"v{version}/dragonn-workshop-v{version}.tar.gz",
    }


def public_url(bucket: str, key: str) -> str:
    return f"https://{bucket}.s3.amazonaws.com/{key}"


def build(out: Path, version: str | None = None, bucket: str = RELEASE_BUCKET) -> dict:
    """Write the release's artifacts under ``out`` at their keys; returns the manifest."""
    from hub.cloud.template import render_template
    from hub.cloud.terraform import make_bundle

    version = version or project_version()
    keys = release_keys(version)
    bundle = out / keys["bundle"]
    sha = make_bundle(bundle)
    bundle_url = public_url(bucket, keys["bundle"])
    template = out / keys["template"]
    template.write_text(render_template(bundle_url, sha), encoding="utf-8")
    manifest = {
        "version": version,
        "bucket": bucket,
        "keys": keys,
        "urls": {name: public_url(bucket, key) for name, key in keys.items()},
        "bundle_sha256": sha,
    }
    (out / "release.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def launch_links(root: Path = REPO_ROOT) -> list[tuple[str, str]]:
    """``(document, url)`` of every quick-create link in the docs."""
    found = []
    for doc in LINK_DOCS:
        path = root / doc
        if path.exists():
            text = path.read_text(encoding="utf-8")
            found += [
                (doc, u) for u in re.findall(r"\((https://[^)\s]*quickcreate[^)\s]*)\)", text)
            ]
    return found


def check(out: Path, root: Path = REPO_ROOT) -> list[str]:
    """Everything wrong between the links, the keys, the template's parameters and the bundle's
    hash; ``[]`` when the release is launchable."""
    manifest = json.loads((out / "release.json").read_text(encoding="utf-8"))
    keys, urls = manifest["keys"], manifest["urls"]
    problems = []
    text = (out / keys["template"]).read_text(encoding="utf-8")
    if "@@" in text:
        return [f"{keys['template']} is the skeleton, not the rendered template"]
    template = yaml.safe_load(text)
    params = template["Parameters"]
    bundle = (out / keys["bundle"]).read_bytes()
    sha = hashlib.sha256(bundle).hexdigest()
    if params["BundleSha256"].get("Default") != sha:
        problems.append(f"BundleSha256 default is not the bundle's SHA-256 ({sha})")
    if params["BundleUrl"].get("Default") != urls["bundle"]:
        problems.append(
            f"BundleUrl default {params['BundleUrl'].get('Default')} != {urls['bundle']}"
        )
    links = launch_links(root)
    if not links:
        problems.append("no Launch stack link in the docs")
    for doc, link in links:
        fragment = urlsplit(link).fragment
        query = parse_qs(fragment.split("?", 1)[1]) if "?" in fragment else {}
        template_url = unquote(query.get("templateURL", [""])[0])
        if template_url != urls["template"]:
            problems.append(f"{doc}: templateURL {template_url} is not {urls['template']}")
        values = {k[len("param_") :]: v[0] for k, v in query.items() if k.startswith("param_")}
        for name, value in values.items():
            param = params.get(name)
            if param is None:
                problems.append(f"{doc}: param_{name} is no parameter of the template")
                continue
            if "AllowedValues" in param and value not in param["AllowedValues"]:
                problems.append(f"{doc}: param_{name}={value} is not an allowed value")
            if "AllowedPattern" in param and not re.fullmatch(param["AllowedPattern"], value):
                problems.append(f"{doc}: param_{name}={value} does not match its pattern")
        problems += [f"{doc}: {why}" for why in rule_failures(template, values)]
    return problems


def rule_failures(template: dict, parameters: dict[str, str]) -> list[str]:
    """The template's Rules evaluated for ``parameters`` (defaults filled in), as CloudFormation
    does before creating anything (User Guide, "Rules section syntax", "Rule functions")."""
    values = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
    values.update(parameters)

    def ev(node):
        if isinstance(node, dict):
            ((fn, arg),) = node.items()
            if fn == "Ref":
                return values[arg]
            args = [ev(a) for a in arg] if isinstance(arg, list) else ev(arg)
            return {
                "Fn::Equals": lambda: args[0] == args[1],
                "Fn::Contains": lambda: args[1] in args[0],
                "Fn::And": lambda: all(args),
                "Fn::Or": lambda: any(args),
                "Fn::Not": lambda: not args[0],
            }[fn]()
        if isinstance(node, list):
            return [ev(a) for a in node]
        return node

    failures = []
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not ev(rule["RuleCondition"]):
            continue
        failures += [a["AssertDescription"] for a in rule["Assertions"] if not ev(a["Assert"])]
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.cloud.release", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build every artifact at its key under --out, then check")
    b.add_argument("--out", required=True)
    b.add_argument("--version", help="default: pyproject.toml's")
    b.add_argument("--bucket", default=RELEASE_BUCKET)
    c = sub.add_parser("check", help="check what build wrote against the docs' links")
    c.add_argument("--out", required=True)
    c.add_argument("--bucket", help="the bucket the workflow uploads to (must be the links')")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.cmd == "build":
        if args.bucket != RELEASE_BUCKET:
            print(f"warning: the docs' links name {RELEASE_BUCKET}, not {args.bucket}")
        manifest = build(out, args.version, args.bucket)
        for name, key in manifest["keys"].items():
            print(f"{name}: {out / key} -> s3://{manifest['bucket']}/{key}")
        print(f"bundle sha256 {manifest['bundle_sha256']}")
    problems = check(out)
    if getattr(args, "bucket", None) and args.bucket != RELEASE_BUCKET:
        problems.append(f"the links name bucket {RELEASE_BUCKET}, the upload goes to {args.bucket}")
    for problem in problems:
        print(f"release check: {problem}", file=sys.stderr)
    if not problems:
        print("release check: links, keys, parameters and the bundle's hash agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
