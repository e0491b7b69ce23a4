"""The pieces of ``manage.py`` (the command line stays there).

Read in this order; each module imports only the ones above it:

- ``home``: the state folder (``GRIDWATCH_SUPERSET_HOME``) and its files, the
  environment Superset starts with, the users, their generated passwords, ``Fail``.
- ``app``: the Flask app of this process, ``init`` (db upgrade + init, once per
  Superset version and metadata database) and ``ensure_user``.
- ``roles``: the roles, which dashboards each sees, the street leader's row-level
  security, the example users.
- ``inventory``: the imported objects with content hashes.
- ``importing``: ``import`` and ``dashboards`` (render the bundle, post it, sync roles,
  check the serving file).
- ``server``: ``start``, ``stop``, ``status``, ``url`` (gunicorn in the background).

The modules import each other as ``manage_superset.…`` and import ``assets_build`` and
``marts_schema``: ``superset_dashboards/`` must be on ``sys.path`` (``manage.py`` puts it
there).
"""
