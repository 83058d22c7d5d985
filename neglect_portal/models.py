# The composition root has no models of its own; this module lets post_migrate reach its AppConfig.
