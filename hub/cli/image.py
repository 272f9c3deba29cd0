"""``workshop image build|push|name``: the learners' image (``hub/image.py``) from the command line."""

from __future__ import annotations

from hub.image import DEFAULT_REPOSITORY, VARIANTS, build, image_ref, push


# --- the command line (registered by hub/cli/main.py) --------------------------------------------------
def cmd_image(args) -> int:
    ref = image_ref(args.variant, args.repository)
    if args.image_cmd == "name":
        print(ref)
        return 0
    if args.image_cmd == "build":
        build(args.variant, args.repository, base_image=args.base_image, log=print)
        print(f"built {ref}")
        return 0
    digest = push(ref, log=print)
    print(f"pushed {ref}@{digest}")
    return 0


def add_parser(sub, common) -> None:
    """Add ``workshop image ...`` to the CLI's subparsers ``sub``."""
    image = sub.add_parser("image", help="build and publish the per-user image")
    isub = image.add_subparsers(dest="image_cmd", required=True)
    for name, what in (
        ("build", "build image/Dockerfile as <repository>:<version>-<variant>"),
        ("push", "push <repository>:<version>-<variant> (after docker login)"),
        ("name", "print <repository>:<version>-<variant>"),
    ):
        p = isub.add_parser(name, parents=[common], help=what)
        p.add_argument("--variant", choices=VARIANTS, default="cpu")
        p.add_argument("--repository", default=DEFAULT_REPOSITORY)
        if name == "build":
            p.add_argument("--base-image", help="override the Dockerfile's BASE_IMAGE")
    image.set_defaults(func=cmd_image)
