"""``workshop data list|fetch``: the shared data sets of the in vivo notebook (``hub/shared_data.py``)."""

from __future__ import annotations

from hub.shared_data import CATALOGUE, CONTAINER_PATH, fetch, read_manifest


def cmd_data(args) -> int:
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(data_dir=args.data_dir)
    folder = settings.datasets_dir
    if args.data_cmd == "list":
        fetched = read_manifest(folder)
        for name, dataset in CATALOGUE.items():
            state = "fetched" if name in fetched else "not fetched"
            print(f"{name:8s} {state:12s} {dataset.description}")
        for name, entry in fetched.items():
            if name not in CATALOGUE:
                print(f"{name:8s} {'fetched':12s} {entry['url']}")
        print(f"folder: {folder} (learners' containers: {CONTAINER_PATH}, read-only)")
        return 0
    entries = args.names or list(settings.datasets)
    fetch(entries, folder, log=print)
    print(f"done: {folder} (learners' containers: {CONTAINER_PATH}, read-only)")
    return 0


def add_parser(sub, common) -> None:
    """Add ``workshop data ...`` to the CLI's subparsers ``sub``."""
    data = sub.add_parser("data", help="shared data sets for the in vivo notebook")
    dsub = data.add_subparsers(dest="data_cmd", required=True)
    dsub.add_parser("list", parents=[common], help="the catalogue and what is fetched")
    get = dsub.add_parser(
        "fetch",
        parents=[common],
        help="fetch data sets into datasets_dir (default: the setting datasets)",
    )
    get.add_argument("names", nargs="*", help="catalogue names or NAME=URL")
    data.set_defaults(func=cmd_data)
