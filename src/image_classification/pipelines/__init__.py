"""One package per pipeline; `pipeline_registry` composes them."""
