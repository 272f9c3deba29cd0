"""JupyterHub configuration: every value comes from ``hub.settings.WorkshopSettings``.

``workshop up`` runs ``jupyterhub -f hub/jupyterhub_config.py`` with ``WORKSHOP_DATA_DIR`` and any
command-line overrides in the environment; edit settings with ``workshop settings set``.
"""

from hub.credentials import load_or_create
from hub.hub_config import configure
from hub.settings import WorkshopSettings

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
settings = WorkshopSettings.load()
configure(c, settings, load_or_create(settings.data_dir), system=True)
