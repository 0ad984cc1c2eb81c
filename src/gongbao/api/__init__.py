"""The JSON API and the Atom feeds: routers (``routes``, ``layer_routes``, ``feeds``, and
``upload`` on servers given an upload token) that ``gongbao.http.create_app`` mounts beside the
pages of ``gongbao.web``."""
